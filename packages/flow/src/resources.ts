// The built-in housekeeping.resources callback (sr3): memory and CPU logged at housekeeping, and a clean restart of
// the instance once its memory outgrows MemoryMax, or MemoryMultiplier x what it used after MemoryBaseLineFile items.
import type { Logger } from '@sarra/common';
import type { Options } from '@sarra/config';
import type { FlowHook, Worklist } from './types.js';

/** What the watch needs besides the options: how to measure and how to ask for the restart. */
export interface MemoryWatchOptions {
  /** Asks the instance to stop cleanly and be started again (finish or hand back in-flight work first). */
  restart(reason: string): void;
  /** Resident memory in bytes. @default process.memoryUsage.rss */
  rss?: () => number;
}

const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;

/**
 * sr3's `housekeeping.resources`, loaded by every flow (a `callback housekeeping.resources` line names this one).
 * At each housekeeping: the limit is MemoryMax when set; otherwise, once MemoryBaseLineFile notices were accepted or
 * files transferred (the flow has reached its steady state), MemoryMultiplier x the memory measured then. Past the
 * limit it asks for a restart, which the instance does cleanly (sr3 re-executes itself in place).
 * Memory is the resident set (RSS): sr3 reads the virtual size, which means nothing for node (V8 reserves gigabytes).
 */
export class MemoryWatch implements FlowHook {
  readonly name = 'housekeeping';
  private limit: number | undefined;
  private accepted = 0;
  private transferred = 0;
  private asked = false;
  private readonly rss: () => number;

  constructor(private readonly o: Options, private readonly log: Logger, private readonly opts: MemoryWatchOptions) {
    this.rss = opts.rss ?? (() => process.memoryUsage.rss());
  }

  afterAccept(wl: Worklist): void {
    this.accepted += wl.incoming.length;
  }

  afterWork(wl: Worklist): void {
    this.transferred += wl.ok.length;
  }

  onHousekeeping(): void {
    const mem = this.rss();
    const cpu = process.cpuUsage();
    this.log.info(`memory ${mib(mem)}, cpu user ${(cpu.user / 1e6).toFixed(2)} s system ${(cpu.system / 1e6).toFixed(2)} s`);
    if (this.limit === undefined) {
      if (this.o.MemoryMax > 0) this.limit = this.o.MemoryMax;
      else {
        const base = Math.max(1, this.o.MemoryBaseLineFile);
        if (this.accepted < base && this.transferred < base) {
          this.log.info(`memory baseline after ${base} items (${Math.max(this.accepted, this.transferred)} so far)`);
          return;
        }
        this.limit = Math.round(this.o.MemoryMultiplier * mem);
      }
      this.log.info(`memory limit ${mib(this.limit)}${this.o.MemoryMax > 0 ? ' (MemoryMax)' : ` (${this.o.MemoryMultiplier} x baseline ${mib(mem)})`}`);
    }
    if (mem > this.limit && !this.asked) {
      this.asked = true;
      const why = `memory ${mib(mem)} is over the limit of ${mib(this.limit)}`;
      this.log.warning(`${why}: restarting the instance`);
      this.opts.restart(why);
    }
  }
}
