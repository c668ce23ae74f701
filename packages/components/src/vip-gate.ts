// vip for the broker-consuming components (sr3 flow.has_vip): only the instance whose host holds the address
// consumes and works. A passive one holds no consumer on the queue the instances share (the broker gives it nothing
// and hands what it had prefetched to the active one), stays connected to its post broker, and looks again every
// second: it takes over within about a second of the address arriving. One that loses the address stops gathering,
// lets the work it had taken finish and be acked, then closes its consumer (nothing lost, nothing done twice).
import type { Logger } from '@sarra/common';
import { abortableSleep, type Gatherer, type NoDupe, type RetryQueue, type WorkItem } from '@sarra/flow';
import type { PassiveSource } from './vip-passive.js';
import { VipState } from './producers/vip.js';

export interface VipGateOptions {
  /** Does this host hold the vip now? */
  held: () => boolean;
  /** sr3's `.noVip` marker (common's noVipFile): present while the instance is passive. */
  noVipFile: string;
  logger: Logger;
  /**
   * The active instance's output, read into `nodupe` (sr3's passive flow reads nothing; sarra-ts keeps a passive
   * winnow's duplicate cache warm this way) while passive and while active: its own posts reach it too, and are not
   * recorded a second time (NoDupe.learn), but those the instance it took over from finishes still are.
   */
  warm?: { source: PassiveSource; nodupe: NoDupe };
  /** How long a passive gather() waits before looking at the addresses again, ms. @default 1000 */
  pollMs?: number;
  /** An active instance looks at the addresses at most this often (a syscall), ms. @default 1000 */
  lookEveryMs?: number;
  /** How long one that lost the vip waits for the notices it took to be acked before releasing the queue, ms. @default 60000 */
  releaseAfterMs?: number;
}

/** Wraps the component's broker gatherer (made anew on each takeover) behind the vip. */
export class VipGate implements Gatherer {
  readonly name = 'gather.message';
  private inner?: Gatherer;
  private readonly vip: VipState;
  /** Items handed to the engine and not yet acked: the consumer closes once they all are (or after releaseAfterMs). */
  private outstanding = 0;
  /** When the instance last became passive (ms). */
  private passiveSince = 0;
  /** The last look at the addresses (ms) and what it saw: while active, once per lookEveryMs, not on every pass. */
  private lookedAt = 0;
  private held = false;

  constructor(private readonly make: () => Gatherer, private readonly opts: VipGateOptions) {
    this.vip = new VipState(opts.noVipFile);
  }

  /** Whether this instance works now (the retry queue is read only then). */
  get isActive(): boolean { return this.vip.active === true; }

  async start(): Promise<void> {
    await this.opts.warm?.source.start();
    await this.follow(this.opts.held());
  }

  async gather(max: number, signal: AbortSignal): Promise<WorkItem[]> {
    const now = Date.now();
    if (!this.isActive || now - this.lookedAt >= (this.opts.lookEveryMs ?? 1000)) {
      this.lookedAt = now;
      this.held = this.opts.held();
    }
    await this.follow(this.held);
    const warm = this.opts.warm;
    if (!this.isActive) {
      const releaseAfter = this.opts.releaseAfterMs ?? 60_000;
      if (this.inner && (this.outstanding === 0 || now - this.passiveSince > releaseAfter)) {
        // items settled without an ack (a retry queue that could not be written, posts neither confirmed nor queued)
        // never count down: past the deadline the consumer closes and the broker gives them to the active instance
        if (this.outstanding > 0) this.opts.logger.warning(`vip lost ${releaseAfter / 1000} s ago: releasing the queue with ${this.outstanding} notice(s) unacked (the broker redelivers them)`);
        this.outstanding = 0;
        await this.closeInner();
      }
      if (warm) this.record(await warm.source.next(max, this.opts.pollMs ?? 1000));
      else await abortableSleep(this.opts.pollMs ?? 1000, signal);
      return [];
    }
    if (warm) this.record(await warm.source.next(max, 0));
    if (!this.inner) {
      const g = this.make();
      try {
        await g.start();
      } catch (err: unknown) {
        await g.stop().catch(() => undefined);
        throw err;
      }
      this.inner = g;
    }
    const items = await this.inner.gather(max, signal);
    for (const it of items) this.track(it);
    return items;
  }

  async stop(): Promise<void> {
    await this.closeInner();
    await this.opts.warm?.source.stop();
    await this.vip.clear();
  }

  isConnected(): boolean {
    return this.inner?.isConnected?.() ?? false;
  }

  metrics(): Record<string, number | string | boolean> {
    return { ...this.inner?.metrics?.(), vip: this.isActive };
  }

  private async follow(held: boolean): Promise<void> {
    const first = this.vip.active === undefined;
    if (!(await this.vip.set(held))) return;
    if (held) {
      this.opts.logger.info(first ? 'vip held: active' : 'now active on vip: taking over the queue');
    } else {
      this.passiveSince = Date.now();
      this.opts.logger.info(first
        ? `vip not held: starting passive (${this.opts.noVipFile})`
        : `now passive on vip: finishing ${this.outstanding} notice(s) taken, then releasing the queue`);
    }
  }

  private async closeInner(): Promise<void> {
    const g = this.inner;
    this.inner = undefined;
    await g?.stop();
  }

  private track(it: WorkItem): void {
    const ack = it.ack;
    if (!ack) return;
    this.outstanding++;
    let done = false;
    it.ack = () => {
      if (!done) {
        done = true;
        this.outstanding--;
      }
      ack();
    };
  }

  private record(notices: WorkItem['notice'][]): void {
    for (const notice of notices) this.opts.warm?.nodupe.learn({ notice });
  }
}

/** The work retry queue behind the vip: read only while the instance is active; everything else passes through. */
export function vipRetryQueue(q: RetryQueue, gate: VipGate): RetryQueue {
  return {
    open: () => q.open(),
    put: (items) => q.put(items),
    get: async (max) => (gate.isActive ? q.get(max) : []),
    size: () => q.size(),
    housekeeping: () => q.housekeeping(),
    close: () => q.close(),
    hold: (items) => q.hold?.(items),
    release: (items) => q.release?.(items),
  };
}
