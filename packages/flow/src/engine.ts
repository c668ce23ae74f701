// The one flow loop every component runs: gather -> filter -> work -> post -> ack, with retries and housekeeping.
import { setMaxListeners } from 'node:events';
import type { Options } from '@sarra/config';
import type { Logger } from '@sarra/common';
import { describeError, PermanentError } from '@sarra/common';
import { newWorklist } from './types.js';
import type { FlowHook, FlowMetrics, Gatherer, PostSink, ReportSink, RetryQueue, WorkItem, Worklist } from './types.js';
import { defaultAccept, type AcceptFn } from './accept.js';
import { runHook } from './run-hook.js';
import { checkFileAge } from './nodupe.js';
import { abortableSleep, runBounded } from './retry.js';

/** What a transfer function does with one item: resolve when done, throw TransientError (retry) or PermanentError. */
export type WorkFn = (item: WorkItem, signal: AbortSignal) => Promise<void>;

/** Duplicate suppression as the engine uses it (implemented by NoDupe). */
export interface DupeCheck {
  isDuplicate(item: WorkItem, now?: number): boolean;
  record(item: WorkItem, now?: number): void;
  /** Forgets the claim of an item that failed for good, so another copy may pass. */
  release?(item: WorkItem): void;
  /** True when the work of the same file was recorded as done (a retry of it is not needed). */
  isRecorded?(item: WorkItem, now?: number): boolean;
  load?(): Promise<void>;
  save?(): Promise<void>;
  onHousekeeping?(): Promise<void> | void;
}

/** Everything a Flow is built from. Only gatherer, work, hooks, logger and instance are required. */
export interface FlowParts {
  gatherer: Gatherer;
  /** 'download' (subscribe, sarra), 'send' (sender) or 'none' (shovel, winnow, post, watch, poll). */
  work: 'download' | 'send' | 'none';
  poster?: PostSink;
  reporter?: ReportSink;
  hooks: FlowHook[];
  logger: Logger;
  instance: number;
  /** The transfer for work 'send'. */
  sender?: WorkFn;
  /** The transfer for work 'download' (built by the component from download.ts). */
  downloader?: WorkFn;
  metrics?: FlowMetrics;
  /** Failed transfers; without one, a failure is acked and counted (lost). */
  workRetry?: RetryQueue;
  nodupe?: DupeCheck;
  /** Replaces the default masks/destination filter (tests, custom flows). */
  accept?: AcceptFn;
  /** Compute newDir/newFile/newRelPath at filter time. @default true unless work is 'none' */
  placeItems?: boolean;
  /** Transfers in flight at once within this instance. @default min(batch, 16) */
  concurrency?: number;
  /** How long a stop waits for in-flight transfers before handing them back, in ms. @default 10000 */
  stopGraceMs?: number;
  /** Minimum ms between two metrics writes (besides forced ones). @default 5000 */
  metricsEveryMs?: number;
  /** Metrics are rewritten at least this often (ms) even while the flow is idle or a gather waits. @default 10000 */
  metricsIdleMs?: number;
}

/** Marks an item acked (a symbol: never serialised, cheaper for the GC than a WeakSet of every item). */
const ACKED = Symbol('acked');
const IDLE_MAX_S = 5;
const METRICS_EVERY_MS = 5000;
/** An idle instance still rewrites its metrics this often (ms), so `sr status` stays current. */
const METRICS_IDLE_MS = 10_000;
/** How often (ms) the gatherer's connection is looked at: a loss or a reconnect is written at once. */
const CONNECTION_CHECK_MS = 1000;
/** Passes whose post step (confirms, acks) may be in flight at once while the next passes are gathered. */
const POST_PIPELINE = 4;

/**
 * A Gatherer that knows its own pace (a poll's next listing, a watch's next scan): when the engine's
 * pass found nothing it sleeps `nextWakeMs()` (capped at 5 s so retries and housekeeping stay on
 * time) instead of its doubling idle back-off from `sleep`. undefined = no opinion.
 */
export interface PacedGatherer extends Gatherer {
  nextWakeMs?(): number | undefined;
}

/**
 * The flow engine. Acks each item exactly once: rejected items right after filtering; transferred items
 * after their work and post; failed items once they are safely in the retry queue. Items still in flight
 * at stop are handed back (not acked: the broker redelivers them).
 */
export class Flow {
  private readonly accept: AcceptFn;
  private readonly fromRetry = new WeakSet<WorkItem>();
  private nextHousekeeping = 0;
  private lastMetrics = 0;
  private received = 0;
  /** Back-off of retry re-injection: a pass whose retries failed again delays the next pull (ms). */
  private retryDelayMs = 0;
  private nextRetryAt = 0;
  /** Post steps of earlier passes still waiting for their confirms (at most POST_PIPELINE). */
  private readonly posting = new Set<Promise<void>>();
  /** The gatherer's connection state at the last look (undefined: it has none). */
  private wasConnected: boolean | undefined;
  private metricsTimer: NodeJS.Timeout | undefined;
  private metricsWrite: Promise<void> | undefined;
  private readonly log: Logger;

  constructor(private readonly o: Options, private readonly parts: FlowParts) {
    this.accept = parts.accept ?? defaultAccept(o, { destination: parts.placeItems ?? parts.work !== 'none' });
    this.log = parts.logger;
  }

  /** Runs until `signal` aborts or a one-shot gatherer is done; always stops cleanly. */
  async run(signal: AbortSignal): Promise<void> {
    const p = this.parts;
    const base = this.o.sleep > 0 ? this.o.sleep : 0.1;
    let idle = base;
    const rate = this.o.messageRateMax > 0 ? this.o.messageRateMax : 0;
    try {
      await p.nodupe?.load?.();
      await p.workRetry?.open();
      // connecting waits for the broker (reconnecting with back-off); a stop meanwhile is a clean stop
      try {
        await p.poster?.start();
        for (const h of p.hooks) await runHook(this.log, h, 'onStart', () => h.onStart?.());
        await p.gatherer.start();
      } catch (err: unknown) {
        if (signal.aborted) return;
        throw err;
      }
      // the first snapshot already shows the connection; later ones keep coming while idle, and at once
      // when the connection is lost or back
      this.wasConnected = p.gatherer.isConnected?.();
      await this.maybeWriteMetrics(true);
      const idleMs = p.metricsIdleMs ?? METRICS_IDLE_MS;
      this.metricsTimer = setInterval(() => {
        const up = p.gatherer.isConnected?.();
        if (up !== this.wasConnected) {
          this.wasConnected = up;
          void this.maybeWriteMetrics(true);
        } else if (Date.now() - this.lastMetrics >= idleMs) void this.maybeWriteMetrics();
      }, Math.min(idleMs, CONNECTION_CHECK_MS));
      this.metricsTimer.unref();
      this.nextHousekeeping = Date.now() + this.o.housekeeping * 1000;
      while (!signal.aborted) {
        if (Date.now() >= this.nextHousekeeping) await this.housekeeping();
        const t0 = Date.now();
        const n = await this.pass(signal);
        // messageRateMax: a pass of n items takes at least n / rate seconds
        if (rate && n > 0) await abortableSleep((n / rate) * 1000 - (Date.now() - t0), signal);
        if (p.gatherer.done?.() && (p.workRetry?.size() ?? 0) === 0) break;
        if (this.o.messageCountMax > 0 && this.received >= this.o.messageCountMax) break;
        if (n > 0) { idle = base; continue; }
        await this.maybeWriteMetrics();
        const hint = (p.gatherer as PacedGatherer).nextWakeMs?.();
        if (hint !== undefined && Number.isFinite(hint)) {
          await abortableSleep(Math.min(Math.max(0, hint), IDLE_MAX_S * 1000), signal);
          continue;
        }
        await abortableSleep(idle * 1000, signal);
        if (idle < IDLE_MAX_S) idle = Math.min(idle * 2, IDLE_MAX_S);
      }
    } finally {
      await this.stop();
    }
  }

  /** One pass; returns the number of items that made progress (0 = idle: the loop sleeps). */
  private async pass(signal: AbortSignal): Promise<number> {
    const p = this.parts;
    const batch = Math.max(1, this.o.batch);
    let fresh: WorkItem[] = [];
    try {
      fresh = await p.gatherer.gather(batch, signal);
    } catch (err: unknown) {
      this.log.error(`gather failed: ${describeError(err)}`);
    }
    this.received += fresh.length;
    this.inc('totals.received', fresh.length);
    let retried: WorkItem[] = [];
    if (fresh.length < batch / 2 && !signal.aborted) {
      if (p.workRetry && p.workRetry.size() > 0 && Date.now() >= this.nextRetryAt) {
        retried = await p.workRetry.get(batch - fresh.length);
        for (const it of retried) this.fromRetry.add(it);
      }
      if (p.poster && p.poster.pending() > 0) await p.poster.retry(batch);
    }
    if (fresh.length + retried.length === 0) return 0;
    const wl = newWorklist();
    this.filter(wl, fresh);
    this.filterRetried(wl, retried);
    await this.hooks('afterAccept', wl);
    await this.finishRejected(wl.rejected);
    await this.work(wl, signal);
    const retryFailed = retried.some((it) => wl.failed.includes(it));
    if (retried.length) this.retryBackoff(retryFailed);
    await this.hooks('afterWork', wl);
    // post + ack of this pass overlap the gather/filter/work of the next ones (up to POST_PIPELINE passes
    // awaiting confirms): the confirm round trip no longer idles the loop. Publishes keep pass order
    // (each post() publishes synchronously before it awaits its confirms).
    while (this.posting.size >= POST_PIPELINE) await Promise.race(this.posting);
    const step = this.finish(wl).then(() => { this.posting.delete(step); });
    this.posting.add(step);
    await this.maybeWriteMetrics();
    // retries that worked keep the loop busy (drain the queue); failing ones wait for their back-off
    return fresh.length + (retryFailed ? 0 : retried.length);
  }

  /** Doubles the delay before the next retry pull (1 s .. 16 s) while retries keep failing; resets on success. */
  private retryBackoff(failedAgain: boolean): void {
    this.retryDelayMs = failedAgain ? Math.min(Math.max(1000, this.retryDelayMs * 2), 16_000) : 0;
    this.nextRetryAt = Date.now() + this.retryDelayMs;
  }

  /** Post (with confirms), ack, afterPost and reports of one pass. Never rejects. */
  private async finish(wl: Worklist): Promise<void> {
    try {
      if (wl.ok.length && this.parts.poster) await this.parts.poster.post(wl.ok);
      // recorded once announced (or safely in the post retry queue): a kill before that must not leave a
      // file recorded as done but never announced (the redelivered notice would then be suppressed)
      if (this.parts.nodupe) for (const it of wl.ok) this.parts.nodupe.record(it);
      for (const it of wl.ok) this.ackOnce(it);
      for (const it of wl.directories_ok) this.ackOnce(it);
      await this.hooks('afterPost', wl);
      await this.report([...wl.ok, ...wl.failed]);
    } catch (err: unknown) {
      this.log.error(`post step failed: ${describeError(err)}`);
    }
  }

  /** Moves each fresh item to incoming (accepted) or rejected (with its report code). */
  private filter(wl: Worklist, items: WorkItem[]): void {
    const now = Date.now();
    const nd = this.parts.nodupe;
    const m = this.parts.metrics;
    let accepted = 0;
    for (const it of items) {
      const v = this.accept(it, now);
      if (!v.accepted) {
        it.reportCode = v.code;
        it.reportMessage = v.reason;
        wl.rejected.push(it);
        continue;
      }
      const age = nd ? checkFileAge(this.o, it, now) : undefined;
      if (age) {
        it.reportCode = age.code;
        it.reportMessage = age.reason;
        wl.rejected.push(it);
        continue;
      }
      if (nd && nd.isDuplicate(it, now)) {
        it.reportCode = 304;
        it.reportMessage = 'duplicate';
        this.inc('totals.duplicates');
        wl.rejected.push(it);
        continue;
      }
      if (it.pubMs && m) m.lag(Math.max(0, now - it.pubMs));
      accepted++;
      wl.incoming.push(it);
    }
    this.inc('totals.accepted', accepted);
  }

  /**
   * Items back from the retry queue skip the filter, but one whose file was done meanwhile by another copy
   * (the other source's notice, accepted after a restart forgot this one's claim) is a duplicate: not done twice.
   */
  private filterRetried(wl: Worklist, items: WorkItem[]): void {
    const nd = this.parts.nodupe;
    const now = Date.now();
    for (const it of items) {
      if (nd?.isRecorded?.(it, now)) {
        it.reportCode = 304;
        it.reportMessage = 'duplicate (done by another copy while queued for retry)';
        this.inc('totals.duplicates');
        wl.rejected.push(it);
      } else wl.incoming.push(it);
    }
  }

  private async finishRejected(items: WorkItem[]): Promise<void> {
    for (const it of items) {
      if (it.reportCode === undefined) { it.reportCode = 404; it.reportMessage = 'rejected by plugin'; }
      const reason = `${it.reportCode} ${it.reportMessage ?? ''}`.trim();
      // Metrics.rejected counts totals.rejected and the reason; duplicates have their own counter
      if (it.reportCode !== 304) this.parts.metrics?.rejected(reason);
      this.ackOnce(it);
    }
    await this.report(items);
  }

  /** Runs the transfers with bounded concurrency; sorts items into ok / failed; hands back what a stop interrupts. */
  private async work(wl: Worklist, signal: AbortSignal): Promise<void> {
    const items = wl.incoming.splice(0);
    const p = this.parts;
    const fn = this.workFn();
    if (!fn) { wl.ok.push(...items); return; }
    const ctl = new AbortController();
    // one abort listener per transfer in flight (stream pipelines)
    setMaxListeners(Math.max(64, (p.concurrency ?? 16) * 4), ctl.signal);
    const grace = p.stopGraceMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const onStop = (): void => { timer = setTimeout(() => ctl.abort(), grace); };
    signal.addEventListener('abort', onStop, { once: true });
    if (signal.aborted) onStop();
    const handedBack: WorkItem[] = [];
    const retriable: WorkItem[] = [];
    const limit = p.concurrency ?? Math.min(Math.max(1, this.o.batch), 16);
    try {
      await runBounded(items, limit, async (it) => {
        if (signal.aborted) { handedBack.push(it); return; }
        const res = await this.attempt(it, fn, ctl.signal);
        if (res === 'ok') wl.ok.push(it);
        else if (res === 'aborted') handedBack.push(it);
        else if (res === 'permanent') { wl.failed.push(it); p.nodupe?.release?.(it); }
        else { wl.failed.push(it); retriable.push(it); }
      });
    } finally {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', onStop);
    }
    await this.queueFailures(wl.failed, retriable);
    await this.handBack(handedBack);
  }

  private workFn(): WorkFn | undefined {
    const p = this.parts;
    const kind = p.work === 'download' ? 'download' : p.work === 'send' ? 'send' : undefined;
    if (!kind) return undefined;
    const builtin = kind === 'download' ? p.downloader : p.sender;
    const overrides = p.hooks.filter((h) => typeof h[kind] === 'function');
    if (overrides.length === 0) return builtin;
    return async (item) => {
      for (const h of overrides) {
        if (await h[kind]!(item)) return;
      }
      throw new PermanentError(`${kind} plugin refused ${item.notice.relPath}`, { reportCode: 499 });
    };
  }

  /** Up to `attempts` immediate tries. */
  private async attempt(it: WorkItem, fn: WorkFn, signal: AbortSignal): Promise<'ok' | 'retry' | 'permanent' | 'aborted'> {
    const tries = Math.max(1, this.o.attempts);
    let last: unknown;
    for (let i = 0; i < tries; i++) {
      if (signal.aborted) return 'aborted';
      try {
        await fn(it, signal);
        it.reportCode = it.reportCode && it.reportCode >= 200 && it.reportCode < 300 ? it.reportCode : 201;
        it.reportMessage ??= 'ok';
        return 'ok';
      } catch (err: unknown) {
        if (signal.aborted) return 'aborted';
        last = err;
        if (err instanceof PermanentError) {
          it.reportCode = err.reportCode;
          it.reportMessage = describeError(err);
          this.inc('totals.failed');
          return 'permanent';
        }
      }
    }
    it.attempts = (it.attempts ?? 0) + tries;
    it.reportCode = 499;
    it.reportMessage = describeError(last);
    this.log.warning(`transfer failed ${tries} times, queued for retry: ${it.notice.relPath}: ${it.reportMessage}`);
    return 'retry';
  }

  /** Puts retriable failures in the retry queue, then acks every failure (not when the put failed). */
  private async queueFailures(failed: WorkItem[], retriable: WorkItem[]): Promise<void> {
    const q = this.parts.workRetry;
    let queued = false;
    if (retriable.length && q) {
      const now = Date.now();
      for (const it of retriable) it.retrySince ??= now;
      try {
        await q.put(retriable);
        queued = true;
      } catch (err: unknown) {
        this.log.error(`retry queue write failed, handing back ${retriable.length}: ${describeError(err)}`);
      }
    } else if (retriable.length) {
      this.inc('totals.failed', retriable.length);
      queued = true;
    }
    for (const it of failed) {
      if (retriable.includes(it) && !queued) continue;
      this.ackOnce(it);
    }
  }

  /** Items interrupted by a stop: broker items stay unacked (redelivered); retried ones go back to the queue. */
  private async handBack(items: WorkItem[]): Promise<void> {
    if (!items.length) return;
    const back = items.filter((it) => this.fromRetry.has(it));
    if (back.length && this.parts.workRetry) {
      await this.parts.workRetry.put(back).catch((err: unknown) => this.log.error(`retry put at stop: ${describeError(err)}`));
    }
    this.log.info(`stopping: handed back ${items.length} unfinished item(s)`);
  }

  private ackOnce(it: WorkItem): void {
    const mark = it as WorkItem & { [ACKED]?: boolean };
    if (mark[ACKED]) return;
    mark[ACKED] = true;
    try { it.ack?.(); } catch (err: unknown) { this.log.warning(`ack failed: ${describeError(err)}`); }
  }

  private async report(items: WorkItem[]): Promise<void> {
    if (!items.length || !this.parts.reporter) return;
    try { await this.parts.reporter.report(items); } catch (err: unknown) { this.log.warning(`report: ${describeError(err)}`); }
  }

  private async hooks(entry: 'afterAccept' | 'afterWork' | 'afterPost', wl: Worklist): Promise<void> {
    for (const h of this.parts.hooks) {
      const fn = h[entry];
      if (fn) await runHook(this.log, h, entry, () => fn.call(h, wl));
    }
  }

  private async housekeeping(): Promise<void> {
    const p = this.parts;
    const now = Date.now();
    this.nextHousekeeping = now + this.o.housekeeping * 1000;
    if (p.nodupe?.onHousekeeping) await runHook(this.log, { name: 'nodupe' }, 'onHousekeeping', () => p.nodupe!.onHousekeeping!());
    for (const h of p.hooks) await runHook(this.log, h, 'onHousekeeping', () => h.onHousekeeping?.());
    await p.workRetry?.housekeeping().catch((err: unknown) => this.log.warning(`retry housekeeping: ${describeError(err)}`));
    await p.poster?.housekeeping().catch((err: unknown) => this.log.warning(`post retry housekeeping: ${describeError(err)}`));
    this.parts.metrics?.resetInterval?.();
    this.parts.metrics?.set('flow.last_housekeeping', now / 1000);
    this.parts.metrics?.set('flow.next_housekeeping', this.nextHousekeeping / 1000);
    await this.maybeWriteMetrics(true);
  }

  private async maybeWriteMetrics(force = false): Promise<void> {
    const m = this.parts.metrics;
    if (!m) return;
    const now = Date.now();
    if (!force && (now - this.lastMetrics < (this.parts.metricsEveryMs ?? METRICS_EVERY_MS) || this.metricsWrite)) return;
    // one write at a time (the file is replaced through a temporary name)
    while (this.metricsWrite) await this.metricsWrite;
    this.lastMetrics = now;
    const w = this.writeMetrics(m);
    this.metricsWrite = w;
    try {
      await w;
    } finally {
      this.metricsWrite = undefined;
    }
  }

  private async writeMetrics(m: FlowMetrics): Promise<void> {
    const cpu = process.cpuUsage();
    m.set('flow.cpuTime', (cpu.user + cpu.system) / 1e6);
    m.set('retry.msgs_in_download_retry', this.parts.workRetry?.size() ?? 0);
    m.set('retry.msgs_in_post_retry', this.parts.poster?.pending() ?? 0);
    const g = this.parts.gatherer.metrics?.();
    if (g) for (const [k, v] of Object.entries(g)) m.set(`${this.parts.gatherer.name}.${k}`, v);
    await m.write().catch((err: unknown) => this.log.warning(`metrics write: ${describeError(err)}`));
  }

  /** Stop gathering, close the sinks, save state, write metrics. */
  private async stop(): Promise<void> {
    const p = this.parts;
    if (this.metricsTimer) clearInterval(this.metricsTimer);
    while (this.posting.size) await Promise.race(this.posting);
    p.metrics?.set('flow.stop_requested', true);
    await p.gatherer.stop().catch((err: unknown) => this.log.warning(`gatherer stop: ${describeError(err)}`));
    for (const h of p.hooks) await runHook(this.log, h, 'onStop', () => h.onStop?.());
    await p.poster?.close().catch((err: unknown) => this.log.warning(`poster close: ${describeError(err)}`));
    await p.reporter?.close().catch((err: unknown) => this.log.warning(`reporter close: ${describeError(err)}`));
    await p.nodupe?.save?.().catch((err: unknown) => this.log.warning(`nodupe save: ${describeError(err)}`));
    await p.workRetry?.close().catch((err: unknown) => this.log.warning(`retry close: ${describeError(err)}`));
    await this.maybeWriteMetrics(true);
  }

  private inc(name: string, by = 1): void {
    if (by) this.parts.metrics?.inc(name, by);
  }
}
