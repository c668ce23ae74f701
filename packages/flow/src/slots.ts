// Transfer slots that outlive a pass: bounded concurrency, one transfer per destination path, the newest notice next.
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { msFromTimestamp } from '@sarra/message';
import type { WorkItem } from './types.js';

/** How a slot's item ended; the engine then posts and acks it, queues it for retry, reports it, or hands it back. */
export type Outcome = 'ok' | 'retry' | 'permanent' | 'aborted' | 'deferred';

/** A finished item. `successor`: a newer notice for the same path that waited for this one (and runs now). */
export interface Settled {
  item: WorkItem;
  outcome: Outcome;
  successor?: WorkItem;
}

export interface SlotOptions {
  /** Transfers running at once. */
  limit: number;
  /** The destination path an item writes: two items with the same key never run at once. */
  key(item: WorkItem): string;
  /** Runs one item; must not reject. `stop` aborts when {@link TransferSlots.stop} has waited its grace period. */
  run(item: WorkItem, stop: AbortSignal): Promise<Outcome>;
}

/** The items of one destination path: the one admitted first (running or waiting for a slot) and the newest waiting for it. */
interface PathEntry {
  current: WorkItem;
  started: boolean;
  next?: WorkItem;
}

/** The destination path of an item (newDir/newFile when placed, else its relPath): what two notices share to supersede one another. */
export function pathKey(it: WorkItem): string {
  return it.newDir !== undefined && it.newFile !== undefined ? join(it.newDir, it.newFile) : it.newRelPath ?? it.notice.relPath;
}

function pubMs(it: WorkItem): number {
  if (it.pubMs !== undefined) return it.pubMs;
  try { return msFromTimestamp(it.notice.pubTime); } catch { return 0; }
}

/** True when `a` was published after `b` (pubTime; the full timestamp text breaks a tie within one ms). */
export function newerThan(a: WorkItem, b: WorkItem): boolean {
  const d = pubMs(a) - pubMs(b);
  if (d !== 0) return d > 0;
  return a.notice.pubTime > b.notice.pubTime;
}

/**
 * The transfer slots of one instance. They persist across passes: a pass admits its items and waits for them
 * only a short while (the engine's bound); an item still running then is carried over and its {@link Settled}
 * outcome is taken by a later pass. At most `limit` run at once, whichever pass admitted them.
 *
 * Same path, many notices: per destination path at most one item runs, and at most one newer one waits for it.
 * An item superseded by a newer notice for its path (within the admitted batch, or against the items admitted
 * before) is returned by {@link admit} and never runs; the caller acks it as a duplicate.
 */
export class TransferSlots {
  private readonly queue: WorkItem[] = [];
  private running = 0;
  private readonly paths = new Map<string, PathEntry>();
  /** Every live item (admitted, not settled) and its path. */
  private readonly keys = new Map<WorkItem, string>();
  private settled: Settled[] = [];
  private readonly waiters = new Set<(it: WorkItem) => void>();
  private readonly stopCtl = new AbortController();
  private stopping = false;

  constructor(private readonly opts: SlotOptions) {
    // one abort listener per try in flight
    setMaxListeners(Math.max(64, opts.limit * 4), this.stopCtl.signal);
  }

  /**
   * Admits `items` (in arrival order). Per path only the newest of them is kept (a pubTime tie goes to the later
   * one). Against an item admitted earlier for the same path: one not yet started is replaced by a newer one;
   * a running one is followed by the newest newer one; an item no newer than the running one is superseded.
   * @returns the superseded items (not admitted, never run)
   */
  admit(items: WorkItem[]): WorkItem[] {
    const superseded: WorkItem[] = [];
    const best = new Map<string, WorkItem>();
    for (const it of items) {
      const k = this.opts.key(it);
      const b = best.get(k);
      if (!b) best.set(k, it);
      else if (newerThan(b, it)) superseded.push(it);
      else { superseded.push(b); best.set(k, it); }
    }
    for (const [k, it] of best) {
      const p = this.paths.get(k);
      if (!p) {
        this.paths.set(k, { current: it, started: false });
        this.keys.set(it, k);
        this.queue.push(it);
      } else if (!p.started) {
        if (newerThan(p.current, it)) { superseded.push(it); continue; }
        this.queue[this.queue.indexOf(p.current)] = it;
        this.drop(p.current, superseded);
        p.current = it;
        this.keys.set(it, k);
      } else if (!newerThan(it, p.current) || (p.next && newerThan(p.next, it))) {
        superseded.push(it);
      } else {
        if (p.next) this.drop(p.next, superseded);
        p.next = it;
        this.keys.set(it, k);
      }
    }
    this.pump();
    return superseded;
  }

  /** Items admitted and not settled: running, waiting for a slot, or waiting for their path. */
  get size(): number {
    return this.keys.size;
  }

  /** Admitted items not running yet (waiting for a slot or for their path). */
  waiting(): number {
    return this.keys.size - this.running;
  }

  /** True while `item` is admitted and not settled. */
  isLive(item: WorkItem): boolean {
    return this.keys.has(item);
  }

  /** The outcomes settled since the last take(), oldest first. */
  take(): Settled[] {
    const s = this.settled;
    this.settled = [];
    return s;
  }

  hasSettled(): boolean {
    return this.settled.length > 0;
  }

  /**
   * Resolves once every one of `items` has settled, after `maxMs`, once no item at all has settled for `quietMs`
   * (what is left is slow: carried over), or when `signal` aborts; never rejects.
   */
  waitFor(items: WorkItem[], t: { maxMs: number; quietMs?: number }, signal?: AbortSignal): Promise<void> {
    const left = new Set(items.filter((it) => this.keys.has(it)));
    if (left.size === 0) return Promise.resolve();
    return this.wait(t.maxMs, signal, (it) => { left.delete(it); return left.size === 0; }, t.quietMs);
  }

  /** Resolves at the next settle, after `ms`, or when `signal` aborts; never rejects. */
  waitAny(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.settled.length) return Promise.resolve();
    return this.wait(ms, signal, () => true);
  }

  /**
   * Stops: items not started settle as 'aborted' at once; running ones get `graceMs` to finish, then their
   * stop signal aborts (they settle as the run function decides, 'aborted' for the engine's). Resolves when
   * none runs any more, or `graceMs` after the abort (a transfer that ignores its signal is left behind).
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const it of this.queue.splice(0)) {
      this.paths.delete(this.keys.get(it)!);
      this.finish(it, 'aborted');
    }
    for (const p of this.paths.values()) {
      if (p.next) this.finish(p.next, 'aborted');
      p.next = undefined;
    }
    const idle = (): boolean => this.running === 0;
    if (!idle()) await this.wait(graceMs, undefined, idle);
    if (idle()) return;
    this.stopCtl.abort();
    await this.wait(graceMs, undefined, idle);
  }

  private pump(): void {
    while (!this.stopping && this.running < this.opts.limit && this.queue.length) {
      const it = this.queue.shift()!;
      this.paths.get(this.keys.get(it)!)!.started = true;
      this.running++;
      void this.start(it);
    }
  }

  private async start(it: WorkItem): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = await this.opts.run(it, this.stopCtl.signal);
    } catch {
      // the engine's run function never rejects; a bug there must not lose the item
      outcome = 'retry';
    }
    this.running--;
    const k = this.keys.get(it)!;
    const p = this.paths.get(k);
    const successor = p?.next;
    if (successor) {
      p.current = successor;
      p.next = undefined;
      p.started = false;
      this.queue.push(successor);
    } else this.paths.delete(k);
    this.settled.push({ item: it, outcome, successor });
    this.finish(it);
    this.pump();
  }

  /** An item leaves the live set: settled with `outcome` when given (else already recorded), waiters told. */
  private finish(it: WorkItem, outcome?: Outcome): void {
    this.keys.delete(it);
    if (outcome) this.settled.push({ item: it, outcome });
    for (const w of [...this.waiters]) w(it);
  }

  /** A waiting item replaced by a newer one for its path. */
  private drop(it: WorkItem, superseded: WorkItem[]): void {
    this.keys.delete(it);
    superseded.push(it);
    for (const w of [...this.waiters]) w(it);
  }

  /** Resolves when `enough` says so at a settle, after `ms`, after `quietMs` without a settle, or on abort. */
  private wait(ms: number, signal: AbortSignal | undefined, enough: (it: WorkItem) => boolean, quietMs?: number): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let quiet: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        clearTimeout(quiet);
        signal?.removeEventListener('abort', done);
        this.waiters.delete(waiter);
        resolve();
      };
      const rearm = (): void => {
        if (quietMs === undefined) return;
        clearTimeout(quiet);
        quiet = setTimeout(done, quietMs);
      };
      const waiter = (it: WorkItem): void => { if (enough(it)) done(); else rearm(); };
      const timer = setTimeout(done, ms);
      rearm();
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.add(waiter);
    });
  }
}
