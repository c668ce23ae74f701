// messageRateMin (sr3): a warning when notices arrive slower than the configured rate.
import type { Logger } from '@sarra/common';
import type { Options } from '@sarra/config';
import type { FlowHook, Worklist } from './types.js';

/**
 * Counts the notices each pass accepts and, at every housekeeping, warns `receiving below minimum message rate` when
 * fewer than messageRateMin per second were accepted over the interval since the previous one (the first check comes
 * one full interval after start). sr3 compares the rate since start at every pass, which warns from the first idle
 * pass on and then on every pass; one line per housekeeping interval says the same, and says it again while it lasts.
 * Loaded only when messageRateMin > 0.
 */
export class MessageRateMin implements FlowHook {
  readonly name = 'messageRateMin';
  private count = 0;
  private since: number;

  constructor(private readonly o: Options, private readonly log: Logger, private readonly now: () => number = Date.now) {
    this.since = now();
  }

  afterAccept(wl: Worklist): void {
    this.count += wl.incoming.length;
  }

  onHousekeeping(): void {
    const t = this.now();
    const seconds = (t - this.since) / 1000;
    if (seconds > 0) {
      const rate = this.count / seconds;
      if (rate < this.o.messageRateMin) {
        this.log.warning(`receiving below minimum message rate: ${rate.toFixed(3)} messages/s over the last ${seconds.toFixed(0)} s ` +
          `(messageRateMin ${this.o.messageRateMin})`);
      }
    }
    this.count = 0;
    this.since = t;
  }
}
