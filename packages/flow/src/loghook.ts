// The built-in `log` flow callback: sr3-style per-notice lines chosen by logEvents, and housekeeping summaries.
import type { Options } from '@sarra/config';
import { postExchanges, splitIndex } from '@sarra/config';
import type { Logger } from '@sarra/common';
import { REPORT, topicFor } from '@sarra/message';
import { joinUrl, messageAgeMs } from './filter.js';
import type { FlowHook, WorkItem, Worklist } from './types.js';

/**
 * Logs, in sr3's spirit (lines an operator can grep):
 * - `after_accept`: `accepted: (lag: 0.53) <baseUrl><relPath>` per accepted notice, and
 *   `rejected: <code> <reason> <url>` per rejection (also when `logReject` or logEvents `reject` is set);
 * - `after_work`: `downloaded to: <path>` (or `sent to: <sendTo> <path>`), `failed: <code> <reason> <url>`;
 * - `after_post`: `published: <exchange> <topic> <relPath>`, only when the flow has a poster (a subscribe
 *   without post_broker publishes nothing, so it says nothing);
 * - `on_housekeeping`: lag average/maximum, counts since the last housekeeping.
 * Each rejection is logged once even if it stays in `rejected` across entry points. Duplicates (304) are
 * logged only with `logDuplicates`.
 */
/** What the log hook needs to know about the flow it logs. */
export interface LogHookOptions {
  /** The flow publishes what it worked on (it has a poster); default: `post_broker` is set. */
  posts?: boolean;
  /** Clock in ms (tests). */
  now?: () => number;
}

export class LogHook implements FlowHook {
  readonly name = 'log';
  private readonly events: Set<string>;
  private readonly seen = new WeakSet<WorkItem>();
  private lagTotal = 0;
  private lagMax = 0;
  private accepted = 0;
  private rejectedCount = 0;
  private worked = 0;
  private failed = 0;
  private posted = 0;
  private readonly posts: boolean;
  private readonly now: () => number;

  constructor(private readonly o: Options, private readonly log: Logger, opts: LogHookOptions = {}) {
    this.events = o.logEvents ?? new Set(['after_accept', 'after_work', 'after_post', 'on_housekeeping']);
    this.posts = opts.posts ?? !!o.post_broker;
    this.now = opts.now ?? Date.now;
  }

  /** The event is selected by logEvents and its lines would be written (nothing is formatted for a disabled level). */
  private has(ev: string, level: 'info' | 'warning' = 'info'): boolean {
    return (this.events.has(ev) || this.events.has('all')) && this.log.enabled(level);
  }

  private url(it: WorkItem): string {
    return joinUrl(it.notice.baseUrl, it.notice.relPath);
  }

  /** logMessageDump (sr3): after an event's line, the whole notice as it stands, with the flow's working fields. */
  private dump(it: WorkItem): void {
    if (!this.o.logMessageDump) return;
    const { raw: _raw, ack: _ack, notice, ...work } = it;
    this.log.info(`message: ${JSON.stringify({ ...notice, ...(Object.keys(work).length ? { _work: work } : {}) })}`);
  }

  private logRejected(wl: Worklist): void {
    const show = this.has('after_accept') || this.has('reject') || (!!this.o.logReject && this.log.enabled('info'));
    for (const it of wl.rejected) {
      if (this.seen.has(it)) continue;
      this.seen.add(it);
      if (it.reportCode === REPORT.duplicate) {
        if (this.o.logDuplicates && this.log.enabled('info')) {
          this.log.info(`rejected: 304 ${it.reportMessage ?? 'duplicate'} ${this.url(it)}`);
          this.dump(it);
        }
        continue;
      }
      this.rejectedCount++;
      // a path that would lead out of the tree, or a signature refused (notice_verify), is a hostile notice: always worth a line
      if (it.reportCode === REPORT.noDest || it.reportCode === REPORT.forbidden) this.log.warning(`rejected: ${it.reportCode} ${it.reportMessage ?? ''} ${this.url(it)}`);
      else if (show) this.log.info(`rejected: ${it.reportCode ?? 404} ${it.reportMessage ?? 'rejected by plugin'} ${this.url(it)}`);
      else continue;
      this.dump(it);
    }
  }

  afterAccept(wl: Worklist): void {
    const now = this.now();
    const show = this.has('after_accept');
    for (const it of wl.incoming) {
      const lag = Math.max(0, (messageAgeMs(it, now) ?? 0) / 1000);
      this.accepted++;
      this.lagTotal += lag;
      if (lag > this.lagMax) this.lagMax = lag;
      if (!show) continue;
      this.log.info(`accepted: (lag: ${lag.toFixed(2)}) ${this.url(it)}`);
      this.dump(it);
    }
    this.logRejected(wl);
  }

  afterWork(wl: Worklist): void {
    const work = this.o.download ? 'downloaded to:' : this.o.sendTo ? `sent to: ${this.o.sendTo}` : undefined;
    const show = !!work && this.has('after_work');
    for (const it of wl.ok) {
      this.worked++;
      if (show && it.newFile !== undefined) {
        this.log.info(`${work} ${it.newDir ?? ''}/${it.newFile}`);
        this.dump(it);
      }
    }
    for (const it of wl.failed) {
      if (this.seen.has(it)) continue;
      this.seen.add(it);
      this.failed++;
      if (!this.has('after_work', 'warning')) continue;
      this.log.warning(`failed: ${it.reportCode ?? 499} ${it.reportMessage ?? ''} ${this.url(it)}`);
      this.dump(it);
    }
    this.logRejected(wl);
  }

  afterPost(wl: Worklist): void {
    if (!this.posts) return;
    this.posted += wl.ok.length;
    if (!this.has('after_post')) return;
    for (const it of wl.ok) {
      const rel = it.newRelPath ?? it.notice.relPath;
      const ex = this.exchangeOf(it);
      const topic = this.o.post_topic ?? (this.o.topicCopy && it.topic ? it.topic : topicFor(this.o.post_topicPrefix || this.o.topicPrefix, rel));
      this.log.info(`published: ${ex} ${topic} ${rel}`);
      this.dump(it);
    }
  }

  /** The exchange the poster publishes to (post_exchangeSplit picks by identity, as the poster does). */
  private exchangeOf(it: WorkItem): string {
    let list: string[];
    try {
      list = postExchanges(this.o);
    } catch {
      return this.o.post_exchange ?? '';
    }
    if (list.length <= 1) return list[0] ?? '';
    const id = it.newIdentity ?? it.notice.identity;
    return list[splitIndex(id?.value ?? '', list.length)] ?? list[0]!;
  }

  onHousekeeping(): void {
    if (this.has('on_housekeeping')) {
      const avg = this.accepted ? this.lagTotal / this.accepted : 0;
      this.log.info(
        `housekeeping: accepted ${this.accepted}, rejected ${this.rejectedCount}, worked ${this.worked}, failed ${this.failed}, ` +
          `posted ${this.posted}; lag average ${avg.toFixed(2)} s, maximum ${this.lagMax.toFixed(2)} s`,
      );
    }
    this.lagTotal = 0;
    this.lagMax = 0;
    this.accepted = this.rejectedCount = this.worked = this.failed = this.posted = 0;
  }
}
