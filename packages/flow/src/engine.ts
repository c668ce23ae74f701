// The one flow loop every component runs: gather -> filter -> work -> post -> ack, with retries and housekeeping.
import type { Options } from '@sarra/config';
import type { Logger } from '@sarra/common';
import { describeError, PermanentError, TransientError } from '@sarra/common';
import { REPORT } from '@sarra/message';
import { newWorklist } from './types.js';
import type { WorkItem, Worklist } from './types.js';
import { defaultAccept, type AcceptFn } from './accept.js';
import { housekeep } from './housekeeping.js';
import { runHook } from './run-hook.js';
import { intake } from './intake.js';
import { abortableSleep } from './pace.js';
import type { WorkFn } from './attempt.js';
import { TransferSlots, pathKey, type Settled } from './slots.js';
import { OriginBackoff } from './origin-backoff.js';
import { OriginGate } from './origin-gate.js';
import { transferFn, type FlowParts, type PacedGatherer } from './flow-parts.js';
import { MetricsPacer } from './metrics-pacer.js';
import { Settle } from './settle.js';
import { PostStage } from './post-stage.js';
import { destfnOf } from './destfn.js';

export type { WorkFn } from './attempt.js';
export type { DupeCheck, FlowParts, PacedGatherer } from './flow-parts.js';

const IDLE_MAX_S = 5;
/** How long a pass waits for its transfers before carrying the unfinished ones over (ms). */
const PASS_WAIT_MS = 2000;
/** A pass stops waiting sooner once no transfer has finished for this long (ms): only slow ones are left. */
const PASS_QUIET_MS = 250;

/** What the work step of a pass did: settled outcomes taken, whether retried items failed again, items deferred. */
interface WorkResult {
  taken: number;
  retryFailed: boolean;
  deferred: WorkItem[];
}

/**
 * The flow engine. Each pass decides the outcome of its items through its worklist (`wl.outcome`: ok, reject,
 * fail) and settle.ts acks each exactly once when that outcome is durable: rejected (and superseded) items right
 * after filtering; failed and deferred items once safely in the retry queue; done items after their post is
 * confirmed (post-stage.ts). Transfers run in slots that outlive a pass (slots.ts): a slow one holds its slot, never
 * the pass, and its outcome joins a later pass. At stop, transfers in flight get stopGraceMs to finish (then posted
 * and acked as usual); the rest are handed back (not acked: the broker redelivers them; retried ones go back to the
 * retry queue). The work kind (parts.work) is read once, here.
 */
export class Flow {
  private readonly accept: AcceptFn;
  private readonly fromRetry = new WeakSet<WorkItem>();
  private nextHousekeeping = 0;
  private received = 0;
  /** Back-off of retry re-injection: a pass whose retries failed again delays the next pull (ms). */
  private retryDelayMs = 0;
  private nextRetryAt = 0;
  private readonly slots: TransferSlots;
  /** Origins that stalled rest: their notices go to the retry queue without a slot (only with a retry queue). */
  private readonly gate: OriginGate;
  /** The transfer of the work kind; undefined for work 'none' (every accepted item is ok at once). */
  private readonly fn?: WorkFn;
  /** Retried items carried over past their pass: held in the retry queue until their outcome is taken. */
  private readonly held = new Set<WorkItem>();
  private readonly metrics: MetricsPacer;
  private readonly settle: Settle;
  private readonly posts: PostStage;
  private readonly log: Logger;

  constructor(private readonly o: Options, private readonly parts: FlowParts) {
    const work = parts.work;
    this.log = parts.logger;
    this.accept = parts.accept
      ?? defaultAccept(o, { destination: parts.placeItems ?? work !== 'none', destfn: destfnOf(o, parts.hooks, this.log, parts.metrics) });
    this.fn = transferFn(parts);
    this.metrics = new MetricsPacer(parts, this.log);
    this.settle = new Settle(parts, this.log, (it) => this.fromRetry.has(it));
    this.posts = new PostStage(parts, this.settle, this.log, (entry, wl) => this.hooks(entry, wl));
    // work 'none' admits nothing to the slots: its gate never runs a transfer
    const fn = this.fn ?? (async (): Promise<void> => {});
    this.gate = new OriginGate(o, fn, this.log, parts.workRetry ? new OriginBackoff(this.log) : undefined, work === 'send');
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
        for (const h of p.hooks) await runHook(this.log, h, 'onStart', () => h.onStart?.(), p.metrics);
        await p.gatherer.start();
        // sr3 on_declare: the exchanges (poster) and the queue (gatherer) are declared by now
        for (const h of p.hooks) await runHook(this.log, h, 'onDeclare', () => h.onDeclare?.(), p.metrics);
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
        if (this.finished()) break;
        if (n > 0) { idle = base; continue; }
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

  /**
   * True when the loop may end: nothing in the slots, and a one-shot gatherer done with no retries left (with
   * retryEmptyBeforeExit, sr3: also no post in flight or in the post retry queue), or messageCountMax reached.
   */
  private finished(): boolean {
    if (this.slots.size !== 0 || this.slots.hasSettled()) return false;
    const p = this.parts;
    const postRetries = this.o.retryEmptyBeforeExit ? this.posts.inFlight() + (p.poster?.pending() ?? 0) : 0;
    if (p.gatherer.done?.() && (p.workRetry?.size() ?? 0) + postRetries === 0) return true;
    return this.countReached();
  }

  /** One pass; returns the number of items that made progress (0 = idle: the loop sleeps). */
  private async pass(signal: AbortSignal): Promise<number> {
    const room = Math.max(1, this.o.batch) - this.slots.waiting();
    const { fresh, retried } = await this.gather(room, signal);
    if (fresh.length + retried.length === 0 && !this.slots.hasSettled()) return 0;
    const { wl, resting } = await this.filter(fresh, retried);
    const r = await this.work(wl, signal, resting);
    await this.posts.post(wl);
    // retries that worked and carried-over outcomes keep the loop busy; failing retries wait for their back-off
    return fresh.length + (r.retryFailed ? 0 : retried.length + r.taken);
  }

  /**
   * The gather step: up to `room` fresh items (items admitted but still waiting for a slot count against the batch:
   * stalled slots never pile up notices); when that leaves room, items due from the retry queue and the post
   * stage's retries.
   */
  private async gather(room: number, signal: AbortSignal): Promise<{ fresh: WorkItem[]; retried: WorkItem[] }> {
    const p = this.parts;
    let fresh: WorkItem[] = [];
    if (room > 0 && !this.countReached()) {
      try {
        fresh = await this.gatherFresh(room, signal);
      } catch (err: unknown) {
        this.log.error(`gather failed: ${describeError(err)}`);
      }
    }
    this.received += fresh.length;
    if (fresh.length) p.metrics?.inc('totals.received', fresh.length);
    let retried: WorkItem[] = [];
    if (fresh.length < room / 2 && !signal.aborted) {
      if (p.workRetry && p.workRetry.size() > 0 && Date.now() >= this.nextRetryAt) {
        retried = await p.workRetry.get(room - fresh.length);
        for (const it of retried) this.fromRetry.add(it);
      }
      await this.posts.retry(room);
    }
    return { fresh, retried };
  }

  /** gather(), its wait ended early by a stop or by a carried-over transfer finishing (its post and ack wait for no gather). */
  private async gatherFresh(max: number, signal: AbortSignal): Promise<WorkItem[]> {
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

  /**
   * The filter step: intake (filter, file age, duplicates), then the afterAccept hooks; the rejected are settled
   * (counted, acked, reported) at once. Retries for a resting origin go back to the retry queue at once (`resting`):
   * not "accepted" again on every pull.
   */
  private async filter(fresh: WorkItem[], retried: WorkItem[]): Promise<{ wl: Worklist; resting: WorkItem[] }> {
    const wl = newWorklist();
    intake(this.o, this.accept, this.parts, wl, fresh, retried);
    const resting = this.gate.takeResting(wl.incoming, (it) => this.fromRetry.has(it));
    await this.hooks('afterAccept', wl);
    await this.settle.rejected(wl.rejected);
    return { wl, resting };
  }

  private countReached(): boolean {
    return this.o.messageCountMax > 0 && this.received >= this.o.messageCountMax;
  }

  /**
   * The work step: admits the accepted items to the transfer slots (superseded ones rejected as duplicates; those
   * of a resting origin deferred to the retry queue), waits for them up to passWaitMs (less once none has finished
   * for PASS_QUIET_MS), decides every outcome settled since the last pass, runs the afterWork hooks, and settles the
   * rejections and failures (failures acked once in the retry queue). Retried items still running are held in the
   * retry queue until their outcome is taken. Work 'none': every accepted item is ok.
   */
  private async work(wl: Worklist, signal: AbortSignal, deferred: WorkItem[]): Promise<WorkResult> {
    const admitted = wl.outcome.takeIncoming();
    let r: WorkResult = { taken: 0, retryFailed: false, deferred };
    if (!this.fn) for (const it of admitted) wl.outcome.ok(it);
    else if (signal.aborted) await this.settle.handBack([...admitted, ...deferred.splice(0)]);
    else {
      deferred.push(...this.gate.takeResting(admitted));
      this.supersede(wl, this.slots.admit(admitted));
      await this.slots.waitFor(admitted, { maxMs: this.parts.passWaitMs ?? PASS_WAIT_MS, quietMs: PASS_QUIET_MS }, signal);
      r = await this.collect(wl, deferred);
      const carried = admitted.filter((it) => this.fromRetry.has(it) && this.slots.isLive(it) && !this.held.has(it));
      if (carried.length) {
        for (const it of carried) this.held.add(it);
        this.parts.workRetry?.hold?.(carried);
      }
    }
    await this.hooks('afterWork', wl);
    await this.settle.rejected(wl.rejected, true);
    await this.settle.failed(wl, r.deferred);
    return r;
  }

  /**
   * Decides the outcomes settled since the last call into `wl` (plus `deferred`, never run, which go to the retry
   * queue); hands back what a stop interrupted. A failed item whose path has a newer notice waiting is superseded
   * instead. Moves the retry back-off.
   */
  private async collect(wl: Worklist, deferred: WorkItem[] = []): Promise<WorkResult> {
    const out = wl.outcome;
    const handedBack: WorkItem[] = [];
    const done = this.slots.take();
    let retryFailed = deferred.some((it) => this.fromRetry.has(it));
    let retryDone = false, retryTried = false;
    for (const { item: it, outcome, successor } of done) {
      const failed = outcome === 'retry' || outcome === 'permanent' || outcome === 'deferred';
      if (this.fromRetry.has(it) && outcome !== 'aborted') {
        if (failed) retryFailed = true; else retryDone = true;
        if (outcome !== 'deferred') retryTried = true;
      }
      if (failed && successor) this.supersede(wl, [it]);
      else if (outcome === 'ok') out.ok(it);
      else if (outcome === 'aborted') handedBack.push(it);
      else if (outcome === 'deferred') deferred.push(it);
      else out.fail(it, failureOf({ item: it, outcome }));
    }
    await this.settle.handBack(handedBack);
    const held = done.map((d) => d.item).filter((it) => this.held.delete(it));
    if (held.length) this.parts.workRetry?.release?.(held);
    // one retry that worked is enough to keep pulling (the origin answers again)
    const failedAgain = retryFailed && !retryDone;
    if (retryFailed || retryDone) this.retryBackoff(failedAgain, !retryTried);
    return { taken: done.length, retryFailed: failedAgain, deferred };
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

  /** Items a newer notice for the same path made pointless: rejected as duplicates (304), never queued for retry. */
  private supersede(wl: Worklist, items: WorkItem[]): void {
    for (const it of items) wl.outcome.reject(it, REPORT.duplicate, 'superseded by a newer notice for the same path');
  }

  private async hooks(entry: 'afterAccept' | 'afterWork' | 'post' | 'afterPost', wl: Worklist): Promise<void> {
    for (const h of this.parts.hooks) {
      const fn = h[entry];
      if (fn) await runHook(this.log, h, entry, () => fn.call(h, wl), this.parts.metrics);
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
    const r = await this.collect(wl);
    await this.hooks('afterWork', wl);
    await this.settle.rejected(wl.rejected, true);
    await this.settle.failed(wl, r.deferred);
    await this.posts.post(wl);
  }

  /** Finish or hand back the transfers, stop gathering, close the sinks, save state, write metrics. */
  private async stop(): Promise<void> {
    const p = this.parts;
    for (const h of p.hooks) await runHook(this.log, h, 'pleaseStop', () => h.pleaseStop?.(), p.metrics);
    this.metrics.stop();
    await this.drain();
    await this.posts.drain();
    p.metrics?.set('flow.stop_requested', true);
    await p.gatherer.stop().catch((err: unknown) => this.log.warning(`gatherer stop: ${describeError(err)}`));
    for (const h of p.hooks) await runHook(this.log, h, 'onStop', () => h.onStop?.(), p.metrics);
    await p.poster?.close().catch((err: unknown) => this.log.warning(`poster close: ${describeError(err)}`));
    await p.reporter?.close().catch((err: unknown) => this.log.warning(`reporter close: ${describeError(err)}`));
    await p.nodupe?.save?.().catch((err: unknown) => this.log.warning(`nodupe save: ${describeError(err)}`));
    await p.workRetry?.close().catch((err: unknown) => this.log.warning(`retry close: ${describeError(err)}`));
    await this.metrics.write(true);
  }
}

/** The error a slot's failed outcome stands for (attempt.ts set the item's report code and reason). */
function failureOf(s: Pick<Settled, 'item' | 'outcome'>): Error {
  const reason = s.item.reportMessage ?? 'transfer failed';
  return s.outcome === 'permanent' ? new PermanentError(reason, { reportCode: s.item.reportCode }) : new TransientError(reason);
}
