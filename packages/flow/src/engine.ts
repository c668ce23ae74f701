// The one flow loop every component runs: gather -> filter -> work -> post -> ack, with retries and housekeeping.
import type { Options } from '@sarra/config';
import type { Logger } from '@sarra/common';
import { describeError } from '@sarra/common';
import { newWorklist } from './types.js';
import type { WorkItem, Worklist } from './types.js';
import { defaultAccept, type AcceptFn } from './accept.js';
import { housekeep } from './housekeeping.js';
import { runHook } from './run-hook.js';
import { intake } from './intake.js';
import { abortableSleep } from './pace.js';
import type { WorkFn } from './attempt.js';
import { TransferSlots, pathKey } from './slots.js';
import { OriginBackoff } from './origin-backoff.js';
import { OriginGate } from './origin-gate.js';
import { transferFn, type FlowParts, type PacedGatherer } from './flow-parts.js';
import { MetricsPacer } from './metrics-pacer.js';

export type { WorkFn } from './attempt.js';
export type { DupeCheck, FlowParts, PacedGatherer } from './flow-parts.js';

/** Marks an item acked (a symbol: never serialised, cheaper for the GC than a WeakSet of every item). */
const ACKED = Symbol('acked');
/** The report code of a notice refused because its path leads out of the destination (PathEscapeError). */
const REFUSED = 422;
const IDLE_MAX_S = 5;
/** Passes whose post step (confirms, acks) may be in flight at once while the next passes are gathered. */
const POST_PIPELINE = 4;
/** How long a pass waits for its transfers before carrying the unfinished ones over (ms). */
const PASS_WAIT_MS = 2000;
/** A pass stops waiting sooner once no transfer has finished for this long (ms): only slow ones are left. */
const PASS_QUIET_MS = 250;

/**
 * The flow engine. Acks each item exactly once: rejected (and superseded) items right after filtering;
 * transferred items after their work and post; failed and deferred items once they are safely in the retry
 * queue. Transfers run in slots that outlive a pass (slots.ts): a slow one holds its slot, never the pass,
 * and its outcome joins the post+ack step of a later pass. At stop, transfers in flight get stopGraceMs to
 * finish (then posted and acked as usual); the rest are handed back (not acked: the broker redelivers them;
 * retried ones go back to the retry queue).
 */
export class Flow {
  private readonly accept: AcceptFn;
  private readonly fromRetry = new WeakSet<WorkItem>();
  private nextHousekeeping = 0;
  private received = 0;
  /** Back-off of retry re-injection: a pass whose retries failed again delays the next pull (ms). */
  private retryDelayMs = 0;
  private nextRetryAt = 0;
  /** Post steps of earlier passes still waiting for their confirms (at most POST_PIPELINE). */
  private readonly posting = new Set<Promise<void>>();
  private readonly slots: TransferSlots;
  /** Origins that stalled rest: their notices go to the retry queue without a slot (only with a retry queue). */
  private readonly gate: OriginGate;
  private readonly fn?: WorkFn;
  /** Retried items carried over past their pass: held in the retry queue until their outcome is taken. */
  private readonly held = new Set<WorkItem>();
  private readonly metrics: MetricsPacer;
  private readonly log: Logger;

  constructor(private readonly o: Options, private readonly parts: FlowParts) {
    this.accept = parts.accept ?? defaultAccept(o, { destination: parts.placeItems ?? parts.work !== 'none' });
    this.log = parts.logger;
    this.fn = transferFn(parts);
    this.metrics = new MetricsPacer(parts, this.log);
    // work 'none' admits nothing to the slots: its gate never runs a transfer
    const fn = this.fn ?? (async (): Promise<void> => {});
    this.gate = new OriginGate(o, fn, this.log, parts.workRetry ? new OriginBackoff(this.log) : undefined, parts.work === 'send');
    const limit = parts.concurrency ?? Math.min(Math.max(1, o.batch), 16);
    this.slots = new TransferSlots({ limit, key: pathKey, run: (it, stop) => this.gate.run(it, stop) });
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
      await this.metrics.start();
      this.nextHousekeeping = Date.now() + this.o.housekeeping * 1000;
      while (!signal.aborted) {
        if (Date.now() >= this.nextHousekeeping) await this.housekeeping();
        const t0 = Date.now();
        const n = await this.pass(signal);
        // messageRateMax: a pass of n items takes at least n / rate seconds
        if (rate && n > 0) await abortableSleep((n / rate) * 1000 - (Date.now() - t0), signal);
        const drained = this.slots.size === 0 && !this.slots.hasSettled();
        // a one-shot flow ends once gathered and worked; retryEmptyBeforeExit (sr3): also once its posts are confirmed
        // (none in flight, none in the post retry queue)
        const postRetries = this.o.retryEmptyBeforeExit ? this.posting.size + (p.poster?.pending() ?? 0) : 0;
        if (drained && p.gatherer.done?.() && (p.workRetry?.size() ?? 0) + postRetries === 0) break;
        if (drained && this.countReached()) break;
        if (n > 0) { idle = base; continue; }
        await this.metrics.write();
        const hint = (p.gatherer as PacedGatherer).nextWakeMs?.();
        // a carried-over transfer that finishes ends the sleep: its post and ack are not delayed
        if (hint !== undefined && Number.isFinite(hint)) {
          await this.slots.waitAny(Math.min(Math.max(0, hint), IDLE_MAX_S * 1000), signal);
          continue;
        }
        await this.slots.waitAny(idle * 1000, signal);
        if (idle < IDLE_MAX_S) idle = Math.min(idle * 2, IDLE_MAX_S);
      }
    } finally {
      await this.stop();
    }
  }

  /** One pass; returns the number of items that made progress (0 = idle: the loop sleeps). */
  private async pass(signal: AbortSignal): Promise<number> {
    const p = this.parts;
    // items admitted but still waiting for a slot count against the batch: stalled slots never pile up notices
    const room = Math.max(1, this.o.batch) - this.slots.waiting();
    let fresh: WorkItem[] = [];
    if (room > 0 && !this.countReached()) {
      try {
        fresh = await this.gather(room, signal);
      } catch (err: unknown) {
        this.log.error(`gather failed: ${describeError(err)}`);
      }
    }
    this.received += fresh.length;
    this.inc('totals.received', fresh.length);
    let retried: WorkItem[] = [];
    if (fresh.length < room / 2 && !signal.aborted) {
      if (p.workRetry && p.workRetry.size() > 0 && Date.now() >= this.nextRetryAt) {
        retried = await p.workRetry.get(room - fresh.length);
        for (const it of retried) this.fromRetry.add(it);
      }
      if (p.poster && p.poster.pending() > 0) await p.poster.retry(room);
    }
    if (fresh.length + retried.length === 0 && !this.slots.hasSettled()) return 0;
    const wl = newWorklist();
    intake(this.o, this.accept, p, wl, fresh, retried);
    // retries for a resting origin go back at once: not "accepted" again on every pull
    const resting = this.gate.takeResting(wl.incoming, (it) => this.fromRetry.has(it));
    await this.hooks('afterAccept', wl);
    await this.finishRejected(wl.rejected);
    const r = await this.work(wl, signal, resting);
    await this.hooks('afterWork', wl);
    // post + ack of this pass overlap the gather/filter/work of the next ones (up to POST_PIPELINE passes
    // awaiting confirms): the confirm round trip no longer idles the loop. Publishes keep pass order
    // (each post() publishes synchronously before it awaits its confirms).
    while (this.posting.size >= POST_PIPELINE) await Promise.race(this.posting);
    const step = this.finish(wl).then(() => { this.posting.delete(step); });
    this.posting.add(step);
    await this.metrics.write();
    // retries that worked and carried-over outcomes keep the loop busy; failing retries wait for their back-off
    return fresh.length + (r.retryFailed ? 0 : retried.length + r.taken);
  }

  /** gather(), its wait ended early by a stop or by a carried-over transfer finishing (its post and ack wait for no gather). */
  private async gather(max: number, signal: AbortSignal): Promise<WorkItem[]> {
    if (this.slots.size === 0) return this.parts.gatherer.gather(max, signal);
    const ctl = new AbortController();
    const onStop = (): void => ctl.abort();
    signal.addEventListener('abort', onStop, { once: true });
    if (signal.aborted) ctl.abort();
    void this.slots.waitAny(IDLE_MAX_S * 1000, ctl.signal).then(() => ctl.abort());
    try {
      return await this.parts.gatherer.gather(max, ctl.signal);
    } finally {
      ctl.abort();
      signal.removeEventListener('abort', onStop);
    }
  }

  private countReached(): boolean {
    return this.o.messageCountMax > 0 && this.received >= this.o.messageCountMax;
  }

  /**
   * Doubles the delay before the next retry pull (1 s .. 16 s) while retries keep failing; resets on success.
   * Retries that were only deferred (their origin rests) are pulled again no later than the first rest ends.
   */
  private retryBackoff(failedAgain: boolean, onlyDeferred: boolean): void {
    this.retryDelayMs = failedAgain ? Math.min(Math.max(1000, this.retryDelayMs * 2), 16_000) : 0;
    this.nextRetryAt = Date.now() + this.retryDelayMs;
    const end = onlyDeferred ? this.gate.nextEnd() : undefined;
    if (end !== undefined && end < this.nextRetryAt) this.nextRetryAt = end;
  }

  /** Post (with confirms), ack, afterPost and reports of one pass. Never rejects. */
  private async finish(wl: Worklist): Promise<void> {
    try {
      if (wl.ok.length && this.parts.poster) await this.parts.poster.post(wl.ok);
      // recorded once announced (or safely in the post retry queue): a kill before that must not leave a
      // file recorded as done but never announced (the redelivered notice would then be suppressed)
      if (this.parts.nodupe) for (const it of wl.ok) this.parts.nodupe.record(it);
      for (const it of wl.ok) this.ackOnce(it);
      await this.hooks('afterPost', wl);
      await this.report([...wl.ok, ...wl.failed]);
    } catch (err: unknown) {
      this.log.error(`post step failed: ${describeError(err)}`);
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

  /**
   * Admits this pass's items to the transfer slots (superseded ones acked as duplicates; those of a resting
   * origin deferred to the retry queue), waits for them up to passWaitMs (less once none has finished for
   * PASS_QUIET_MS), then sorts every outcome settled since the last pass. Retried items still running are
   * held in the retry queue until their outcome is taken.
   */
  private async work(wl: Worklist, signal: AbortSignal, deferred: WorkItem[]): Promise<{ taken: number; retryFailed: boolean }> {
    const admitted = wl.incoming.splice(0);
    if (!this.fn) { wl.ok.push(...admitted); return { taken: 0, retryFailed: false }; }
    if (signal.aborted) { await this.handBack([...admitted, ...deferred]); return { taken: 0, retryFailed: false }; }
    deferred.push(...this.gate.takeResting(admitted));
    await this.supersede(wl, this.slots.admit(admitted));
    await this.slots.waitFor(admitted, { maxMs: this.parts.passWaitMs ?? PASS_WAIT_MS, quietMs: PASS_QUIET_MS }, signal);
    const r = await this.collect(wl, deferred);
    const carried = admitted.filter((it) => this.fromRetry.has(it) && this.slots.isLive(it) && !this.held.has(it));
    if (carried.length) {
      for (const it of carried) this.held.add(it);
      this.parts.workRetry?.hold?.(carried);
    }
    return r;
  }

  /**
   * Sorts the outcomes settled since the last call (plus `deferred`, never run) into ok / failed; queues
   * retriable failures and deferred items for retry; hands back what a stop interrupted. A failed item whose
   * path has a newer notice waiting is superseded instead. Counts totals.failed, moves the retry back-off.
   */
  private async collect(wl: Worklist, deferred: WorkItem[] = []): Promise<{ taken: number; retryFailed: boolean }> {
    const p = this.parts;
    const retriable: WorkItem[] = [];
    const handedBack: WorkItem[] = [];
    const superseded: WorkItem[] = [];
    const refused: WorkItem[] = [];
    const done = this.slots.take();
    let retryFailed = deferred.some((it) => this.fromRetry.has(it));
    let retryDone = false, retryTried = false;
    for (const { item: it, outcome, successor } of done) {
      const failed = outcome === 'retry' || outcome === 'permanent' || outcome === 'deferred';
      if (this.fromRetry.has(it) && outcome !== 'aborted') {
        if (failed) retryFailed = true; else retryDone = true;
        if (outcome !== 'deferred') retryTried = true;
      }
      if (failed && successor) superseded.push(it);
      else if (outcome === 'ok') wl.ok.push(it);
      else if (outcome === 'aborted') handedBack.push(it);
      else if (outcome === 'deferred') deferred.push(it);
      // a path that leads out of the root on disk is a refusal of the notice, as at filter time: counted under
      // its reason (422), never retried; so is work found not needed (a code below 400: 304, an identical file there)
      else if (outcome === 'permanent' && (it.reportCode === REFUSED || (it.reportCode ?? 499) < 400)) refused.push(it);
      else {
        wl.failed.push(it);
        if (outcome === 'retry') retriable.push(it);
        else p.nodupe?.release?.(it);
      }
    }
    this.inc('totals.failed', wl.failed.length);
    await this.queueFailures(wl.failed, retriable, deferred);
    await this.handBack(handedBack);
    await this.supersede(wl, superseded);
    if (refused.length) {
      for (const it of refused) p.nodupe?.release?.(it);
      wl.rejected.push(...refused);
      await this.finishRejected(refused);
    }
    const held = done.map((d) => d.item).filter((it) => this.held.delete(it));
    if (held.length) p.workRetry?.release?.(held);
    // one retry that worked is enough to keep pulling (the origin answers again)
    const failedAgain = retryFailed && !retryDone;
    if (retryFailed || retryDone) this.retryBackoff(failedAgain, !retryTried);
    return { taken: done.length, retryFailed: failedAgain };
  }

  /** Items a newer notice for the same path made pointless: acked as duplicates (304), never queued for retry. */
  private async supersede(wl: Worklist, items: WorkItem[]): Promise<void> {
    if (!items.length) return;
    for (const it of items) {
      it.reportCode = 304;
      it.reportMessage = 'superseded by a newer notice for the same path';
      this.parts.nodupe?.release?.(it);
      wl.rejected.push(it);
    }
    this.inc('totals.duplicates', items.length);
    await this.finishRejected(items);
  }

  /**
   * Puts retriable failures and deferred items in the retry queue, then acks them and every other failure
   * (not when the put failed: the broker keeps them). Without a retry queue a failure is acked and lost.
   */
  private async queueFailures(failed: WorkItem[], retriable: WorkItem[], deferred: WorkItem[]): Promise<void> {
    const q = this.parts.workRetry;
    const put = [...retriable, ...deferred];
    let queued = true;
    if (put.length && q) {
      const now = Date.now();
      for (const it of put) it.retrySince ??= now;
      try {
        await q.put(put);
      } catch (err: unknown) {
        queued = false;
        this.log.error(`retry queue write failed, handing back ${put.length}: ${describeError(err)}`);
      }
    }
    const waiting = new Set(put);
    for (const it of [...failed, ...deferred]) {
      if (queued || !waiting.has(it)) this.ackOnce(it);
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
    const now = Date.now();
    this.nextHousekeeping = now + this.o.housekeeping * 1000;
    await housekeep(this.parts, this.log, now, this.nextHousekeeping);
    await this.metrics.write(true);
  }

  /** At stop: running transfers get stopGraceMs, then are aborted; their outcomes are posted, acked, queued or handed back. */
  private async drain(): Promise<void> {
    if (this.slots.size === 0 && !this.slots.hasSettled()) return;
    await this.slots.stop(this.parts.stopGraceMs ?? 10_000);
    const wl = newWorklist();
    await this.collect(wl);
    await this.hooks('afterWork', wl);
    await this.finish(wl);
  }

  /** Finish or hand back the transfers, stop gathering, close the sinks, save state, write metrics. */
  private async stop(): Promise<void> {
    const p = this.parts;
    this.metrics.stop();
    await this.drain();
    while (this.posting.size) await Promise.race(this.posting);
    p.metrics?.set('flow.stop_requested', true);
    await p.gatherer.stop().catch((err: unknown) => this.log.warning(`gatherer stop: ${describeError(err)}`));
    for (const h of p.hooks) await runHook(this.log, h, 'onStop', () => h.onStop?.());
    await p.poster?.close().catch((err: unknown) => this.log.warning(`poster close: ${describeError(err)}`));
    await p.reporter?.close().catch((err: unknown) => this.log.warning(`reporter close: ${describeError(err)}`));
    await p.nodupe?.save?.().catch((err: unknown) => this.log.warning(`nodupe save: ${describeError(err)}`));
    await p.workRetry?.close().catch((err: unknown) => this.log.warning(`retry close: ${describeError(err)}`));
    await this.metrics.write(true);
  }

  private inc(name: string, by = 1): void {
    if (by) this.parts.metrics?.inc(name, by);
  }
}
