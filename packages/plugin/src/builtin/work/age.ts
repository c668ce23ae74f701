// sr3 work.age: how old each file was when its transfer completed (completion time minus the notice's mtime).
import type { Logger } from '@sarra/common';
import type { FlowHook, Worklist } from '@sarra/flow';
import { msFromTimestamp } from '@sarra/message';

/** A notice's mtime in ms, undefined when absent or not a timestamp (a hostile field is skipped, not thrown). */
function mtimeMs(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    const ms = msFromTimestamp(v);
    return Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `callback work.age`: logs `file <name> is <n> seconds old` for each transferred item with an mtime, and reports
 * the interval's count, maximum and average age (seconds) in the metrics file under `work.age`.
 */
export default class Age implements FlowHook {
  readonly name = 'work.age';
  private count = 0;
  private total = 0;
  private max = 0;

  constructor(_o: unknown, private readonly log: Logger) {}

  afterWork(wl: Worklist): void {
    const now = Date.now();
    for (const it of wl.ok) {
      const mtime = mtimeMs(it.notice.mtime);
      if (mtime === undefined) continue;
      const age = Math.max(0, (now - mtime) / 1000);
      this.count++;
      this.total += age;
      this.max = Math.max(this.max, age);
      this.log.info(`file ${it.newFile ?? it.notice.relPath} is ${Math.round(age)} seconds old`);
    }
  }

  metricsReport(): Record<string, unknown> {
    return { count: this.count, ageMax: this.max, ageAverage: this.count ? this.total / this.count : 0 };
  }

  onHousekeeping(): void {
    this.count = this.total = this.max = 0;
  }
}
