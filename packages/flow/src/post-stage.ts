// The post stage of a flow: each pass's ok items published with confirms, then settled (acked) and reported; post
// retries re-published; up to POST_PIPELINE passes awaiting their confirms while the next ones are gathered and worked.
import type { Logger } from '@sarra/common';
import { describeError } from '@sarra/common';
import type { FlowParts } from './flow-parts.js';
import type { Settle } from './settle.js';
import type { WorkItem, Worklist } from './types.js';

/** Passes whose post step (confirms, acks) may be in flight at once while the next passes are gathered. */
const POST_PIPELINE = 4;

/**
 * Posts and settles the passes of one flow. The post + ack of a pass overlap the gather/filter/work of the next ones
 * (the confirm round trip no longer idles the loop); publishes keep pass order, since each post() publishes
 * synchronously before it awaits its confirms. A post that fails leaves its items unacked (redelivered), never acked.
 */
export class PostStage {
  private readonly posting = new Set<Promise<void>>();

  constructor(
    private readonly parts: FlowParts,
    private readonly settle: Settle,
    private readonly log: Logger,
    private readonly hooks: (entry: 'post' | 'afterPost', wl: Worklist) => Promise<void>,
  ) {}

  /** Re-publishes up to `max` notices kept in the post retry queue (a light pass has room for them). */
  async retry(max: number): Promise<void> {
    const p = this.parts.poster;
    if (!p || p.pending() === 0) return;
    await p.retry(max).catch((err: unknown) => this.log.error(`post retry failed: ${describeError(err)}`));
  }

  /** Starts the post step of `wl`, once fewer than POST_PIPELINE are in flight; it never rejects. */
  async post(wl: Worklist): Promise<void> {
    while (this.posting.size >= POST_PIPELINE) await Promise.race(this.posting);
    const step = this.finish(wl).then(() => { this.posting.delete(step); });
    this.posting.add(step);
  }

  /** Post steps awaiting their confirms (retryEmptyBeforeExit waits for none). */
  inFlight(): number {
    return this.posting.size;
  }

  /** Waits for every post step in flight. */
  async drain(): Promise<void> {
    while (this.posting.size) await Promise.race(this.posting);
  }

  /**
   * Publish with confirms, the plugins' post (sr3: after the built-in post; given only what it published), settle
   * (record, ack; what a plugin's post rejected or failed is settled as such: rejected, or acked once in the retry
   * queue; once announced by the built-in post it keeps its duplicate-cache claim), afterPost, reports.
   */
  private async finish(wl: Worklist): Promise<void> {
    const poster = this.parts.poster;
    let lost: WorkItem[] = [];
    try {
      if (wl.ok.length && poster) lost = (await poster.post(wl.ok)) ?? [];
    } catch (err: unknown) {
      this.log.error(`post step failed: ${describeError(err)}`);
      lost = wl.ok;
    }
    if (wl.ok.length && this.parts.hooks.some((h) => typeof h.post === 'function')) await this.pluginPost(wl, lost, !!poster);
    await this.settle.posted(wl.ok, lost);
    await this.hooks('afterPost', wl);
    await this.settle.report([...wl.ok, ...wl.failed]);
  }

  /**
   * The plugins' post, on the items the built-in post published (the lost ones are left out, then put back in `wl.ok`
   * unacked); what they moved with wl.outcome is settled as such. An item the built-in post announced keeps its
   * duplicate-cache claim (a permanent failure is recorded): another copy is not worked and announced again.
   */
  private async pluginPost(wl: Worklist, lost: WorkItem[], announced: boolean): Promise<void> {
    const gone = new Set(lost);
    // in place: wl.outcome moves items out of the very arrays it placed them in
    const left = wl.ok.filter((it) => gone.has(it));
    const published = wl.ok.filter((it) => !gone.has(it));
    wl.ok.splice(0, wl.ok.length, ...published);
    const before = new Set([...wl.rejected, ...wl.failed]);
    if (wl.ok.length) await this.hooks('post', wl);
    await this.settle.rejected(wl.rejected, !announced);
    const failedForGood = announced ? wl.failed.filter((it) => !before.has(it) && !wl.outcome.isRetryable(it)) : [];
    for (const it of failedForGood) this.parts.nodupe?.record(it);
    await this.settle.failed(wl);
    wl.ok.push(...left);
  }
}
