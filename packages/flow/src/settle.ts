// Settling outcomes: the one module that acks. Rejections are counted and acked at once; failures acked once safely
// in the retry queue; posted items once confirmed (or in the post retry queue); interrupted ones handed back unacked.
import type { Logger } from '@sarra/common';
import { describeError } from '@sarra/common';
import type { Delivery } from '@sarra/broker';
import { REPORT } from '@sarra/message';
import type { FlowParts } from './flow-parts.js';
import type { WorkItem, Worklist } from './types.js';
import { runHook } from './run-hook.js';

/** Marks an item settled: acked, or handed back (a symbol: never serialised, cheaper for the GC than a WeakSet). */
const SETTLED = Symbol('settled');
type Marked = { ack?: () => void; [SETTLED]?: boolean };

/**
 * Acks `it` at most once; true when this call acked it, false when it was settled before or the ack threw (logged:
 * the broker redelivers it). The only caller of a WorkItem's `ack`.
 */
export function ackOnce(it: { ack?: () => void }, log: Logger): boolean {
  const m = it as Marked;
  if (m[SETTLED]) return false;
  m[SETTLED] = true;
  try {
    it.ack?.();
    return true;
  } catch (err: unknown) {
    log.warning(`ack failed: ${describeError(err)}`);
    return false;
  }
}

/** The ack of one broker delivery, for a WorkItem or a discard; `then` runs after it (a stream's read position). */
export function deliveryAck(c: { ack(d: Delivery): void }, d: Delivery, then?: () => void): () => void {
  return () => {
    c.ack(d);
    then?.();
  };
}

/** Acks one delivery now, outside any flow pass (a message with nothing more to do: a passive vip instance's read). */
export function ackDelivery(c: { ack(d: Delivery): void }, d: Delivery, log: Logger): void {
  ackOnce({ ack: deliveryAck(c, d) }, log);
}

function settled(it: WorkItem): boolean {
  return (it as Marked)[SETTLED] === true;
}

/** Settles the decisions of a flow's passes (outcome.ts) against its sinks: metrics, duplicate cache, retry queue, reports. */
export class Settle {
  constructor(private readonly parts: FlowParts, private readonly log: Logger, private readonly fromRetry: (it: WorkItem) => boolean) {}

  /**
   * Rejected items not settled yet: one a plugin moved without a code gets 404 "rejected by plugin"; each counted once
   * (metrics.rejected with `<code> <reason>`; a 304 as a duplicate), acked, reported. `claimed`: they passed
   * intake, so their duplicate-cache claim is released (another copy may pass).
   */
  async rejected(items: WorkItem[], claimed = false): Promise<void> {
    const todo = items.filter((it) => !settled(it));
    if (!todo.length) return;
    const p = this.parts;
    let duplicates = 0;
    const acked: WorkItem[] = [];
    for (const it of todo) {
      if (it.reportCode === undefined) { it.reportCode = REPORT.noMatch; it.reportMessage = 'rejected by plugin'; }
      if (it.reportCode === REPORT.duplicate) duplicates++;
      else p.metrics?.rejected(`${it.reportCode} ${it.reportMessage ?? ''}`.trim());
      if (claimed) p.nodupe?.release?.(it);
      if (ackOnce(it, this.log)) acked.push(it);
    }
    if (duplicates) p.metrics?.inc('totals.duplicates', duplicates);
    await this.acked(acked);
    await this.report(todo);
  }

  /**
   * Failed items not settled yet (counted in totals.failed) and `deferred` ones (never run: their origin rests): the
   * retryable ones (`wl.outcome`) and the deferred are put in the retry queue, then acked with the permanent failures,
   * whose claim is released. When the put fails they are handed back unacked (the broker redelivers them). Without a
   * retry queue a failure is acked and lost.
   */
  async failed(wl: Worklist, deferred: WorkItem[] = []): Promise<void> {
    const failed = wl.failed.filter((it) => !settled(it));
    if (failed.length) this.parts.metrics?.inc('totals.failed', failed.length);
    const put = [...failed.filter((it) => wl.outcome.isRetryable(it)), ...deferred];
    for (const it of failed) if (!wl.outcome.isRetryable(it)) this.parts.nodupe?.release?.(it);
    const q = this.parts.workRetry;
    if (put.length && q) {
      const now = Date.now();
      for (const it of put) it.retrySince ??= now;
      try {
        await q.put(put);
      } catch (err: unknown) {
        this.log.error(`retry queue write failed, handing back ${put.length}: ${describeError(err)}`);
        for (const it of put) (it as Marked)[SETTLED] = true;
      }
    }
    await this.acked([...failed, ...deferred].filter((it) => ackOnce(it, this.log)));
  }

  /**
   * Posted items: all but `lost` (neither confirmed nor in the post retry queue: left unacked, the broker redelivers
   * them) are recorded as done in the duplicate cache, then acked. Recorded once announced: a kill before that must
   * not leave a file recorded as done but never announced (the redelivered notice would then be suppressed).
   */
  async posted(items: WorkItem[], lost: WorkItem[]): Promise<void> {
    const gone = new Set(lost);
    if (gone.size) this.log.error(`post: ${gone.size} notice(s) neither confirmed nor queued for retry: not acked (the broker redelivers them)`);
    const done: WorkItem[] = [];
    for (const it of items) {
      if (gone.has(it)) continue;
      this.parts.nodupe?.record(it);
      if (ackOnce(it, this.log)) done.push(it);
    }
    await this.acked(done);
  }

  /** sr3's `ack` entry point: each plugin that has one is given the items just acknowledged (a thrower is logged, counted). */
  private async acked(items: WorkItem[]): Promise<void> {
    if (!items.length) return;
    for (const h of this.parts.hooks) {
      const fn = h.ack;
      if (fn) await runHook(this.log, h, 'ack', () => fn.call(h, [...items]), this.parts.metrics);
    }
  }

  /** Items interrupted by a stop: broker items stay unacked (redelivered); retried ones go back to the retry queue. */
  async handBack(items: WorkItem[]): Promise<void> {
    if (!items.length) return;
    for (const it of items) (it as Marked)[SETTLED] = true;
    const back = items.filter(this.fromRetry);
    if (back.length && this.parts.workRetry) {
      await this.parts.workRetry.put(back).catch((err: unknown) => this.log.error(`retry put at stop: ${describeError(err)}`));
    }
    this.log.info(`stopping: handed back ${items.length} unfinished item(s)`);
  }

  /** Publishes the report messages of `items` (best effort: an error is logged). */
  async report(items: WorkItem[]): Promise<void> {
    if (!items.length || !this.parts.reporter) return;
    try { await this.parts.reporter.report(items); } catch (err: unknown) { this.log.warning(`report: ${describeError(err)}`); }
  }
}
