// Between a broker client's message callback and the flow: deliveries wait here until next() takes them.
import type { Delivery } from './types.js';

/** Deliveries received and not yet taken, and the next() calls waiting for one (AMQP and MQTT consumers). */
export class DeliveryBuffer {
  private items: Delivery[] = [];
  private waiters = new Set<() => void>();
  private wakeScheduled = false;

  get size(): number {
    return this.items.length;
  }

  /** Adds a delivery. Waiting take() calls wake after the current socket chunk is parsed, so they get a whole burst. */
  push(d: Delivery): void {
    this.items.push(d);
    if (this.wakeScheduled || this.waiters.size === 0) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.wakeAll();
    });
  }

  /** Forgets the deliveries `keep` refuses (all of them without it): their messages go back to the broker. */
  clear(keep?: (d: Delivery) => boolean): void {
    this.items = keep ? this.items.filter(keep) : [];
  }

  /** Wakes every waiting take() at once (a loss, a close). */
  wakeAll(): void {
    const w = [...this.waiters];
    this.waiters.clear();
    for (const f of w) f();
  }

  /**
   * Up to `max` deliveries, waiting up to `waitMs` for the first when none is here and `mayWait` (the consumer is
   * open); `signal` ends the wait early. Never throws.
   */
  async take(max: number, waitMs: number, mayWait: boolean, signal?: AbortSignal): Promise<Delivery[]> {
    if (this.items.length === 0 && waitMs > 0 && mayWait && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', stop);
          resolve();
        };
        const stop = (): void => {
          this.waiters.delete(done);
          done();
        };
        const timer = setTimeout(stop, waitMs);
        signal?.addEventListener('abort', stop, { once: true });
        this.waiters.add(done);
      });
    }
    return this.items.splice(0, Math.max(0, max));
  }
}
