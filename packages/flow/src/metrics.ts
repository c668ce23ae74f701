// Per-instance metrics: sr3's module sections (reset each housekeeping) plus cumulative totals, written as JSON.
import { rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { hostname } from 'node:os';
import type { FlowMetrics } from './types.js';
import { mkdirp } from '@sarra/common';
import { reportShortName } from '@sarra/message';

type Section = Record<string, unknown>;

/** Identity of the instance, shown by `sr status`. */
interface InstanceInfo {
  component?: string;
  config?: string;
  instance?: number;
  queue?: string;
  pid?: number;
  hostname?: string;
}

export interface MetricsOptions extends InstanceInfo {
  /** Minimum ms between two writes unless forced. @default 5000 */
  writeIntervalMs?: number;
  /** Clock in ms (tests). @default Date.now */
  now?: () => number;
}

/** Fields of the sr3 sections that are states, not per-interval counters: kept by {@link Metrics.resetInterval}. */
const GAUGES = new Set([
  'flow.transferRxLast', 'flow.transferTxLast', 'flow.cpuTime', 'flow.last_housekeeping', 'flow.next_housekeeping',
  'flow.stop_requested', 'gather.message.rxLast', 'gather.message.brokerQueuedMessageCount', 'gather.message.connected',
  'gather.message.disconnectLast', 'post.message.txLast', 'retry.msgs_in_download_retry', 'retry.msgs_in_post_retry',
]);

function freshSections(): Record<string, Section> {
  return {
    flow: {
      transferRxBytes: 0, transferRxFiles: 0, transferTxBytes: 0, transferTxFiles: 0, transferRxLast: 0, transferTxLast: 0,
      cpuTime: 0, last_housekeeping: 0, next_housekeeping: 0, stop_requested: false,
    },
    'gather.message': {
      rxByteCount: 0, rxGoodCount: 0, rxBadCount: 0, rxLast: 0, brokerQueuedMessageCount: 0, connected: false,
      disconnectCount: 0, disconnectTime: 0, disconnectLast: 0,
    },
    'post.message': { txByteCount: 0, txGoodCount: 0, txBadCount: 0, txLast: 0 },
    log: { lagMax: 0, lagTotal: 0, lagMessageCount: 0, rejectCount: 0 },
    retry: { msgs_in_download_retry: 0, msgs_in_post_retry: 0 },
  };
}

function freshTotals(): Section {
  return {
    received: 0, accepted: 0, rejected: 0, rejectedByReason: {} as Record<string, number>, malformed: 0, duplicates: 0,
    transferredFiles: 0, transferredBytes: 0, posted: 0, postFailed: 0, mismatch: 0, failed: 0,
  };
}

const MAX_REASONS = 50;

/**
 * The rejectedByReason key of a reason: `<code> <short name>` when it starts with a known report code
 * (`422 path ../x resolves outside /d` -> `422 no destination`), else the text cut to 60 characters.
 */
function reasonKey(reason: string): string {
  const m = /^(\d{3})\b/.exec(reason.trim());
  const name = m ? reportShortName(Number(m[1])) : undefined;
  if (name) return `${m![1]} ${name}`;
  return reason.trim().slice(0, 60);
}

/** Splits `gather.message.rxGoodCount` at the last dot; a bare name is a `totals` counter. */
function split(name: string): [string, string] {
  const i = name.lastIndexOf('.');
  return i < 0 ? ['totals', name] : [name.slice(0, i), name.slice(i + 1)];
}

/**
 * The metrics of one instance (file schema in CONTRACTS.md "Metrics file"): sr3's sections `flow`,
 * `gather.message`, `post.message`, `log`, `retry` (their counters reset at each housekeeping, as sr3's do),
 * `totals` (cumulative since start) and `instance`. Names are `<section>.<key>`; a name without a dot is a
 * `totals` key. Times in `*Last` fields are ms since epoch (0 = never); lags in seconds.
 */
/** Counts one file moved by the work step: received (download) or sent (sender). */
export function countTransfer(m: FlowMetrics | undefined, way: 'Rx' | 'Tx', bytes: number): void {
  if (!m) return;
  m.inc(`flow.transfer${way}Files`);
  m.inc(`flow.transfer${way}Bytes`, bytes);
  m.set(`flow.transfer${way}Last`, Date.now());
  m.inc('totals.transferredFiles');
  m.inc('totals.transferredBytes', bytes);
}

export class Metrics {
  private sections = freshSections();
  private totals = freshTotals();
  /** The `instance` section: set at construction, updatable with `set('instance.<key>', v)`. */
  private readonly info: Section;
  private readonly interval: number;
  private readonly now: () => number;
  private lastWrite = 0;
  private writing: Promise<void> = Promise.resolve();
  private trailing?: NodeJS.Timeout;

  /** @param file the metrics file, `~/.cache/sarra/metrics/<component>_<config>_NN.json` */
  constructor(readonly file: string, opts: MetricsOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.interval = opts.writeIntervalMs ?? 5000;
    this.info = {
      pid: opts.pid ?? process.pid,
      component: opts.component ?? '',
      config: opts.config ?? '',
      instance: opts.instance ?? 0,
      started: this.now(),
      updated: 0,
      hostname: opts.hostname ?? hostname(),
    };
    if (opts.queue !== undefined) this.info.queue = opts.queue;
  }

  private section(name: string): Section {
    if (name === 'instance') return this.info;
    let s = name === 'totals' ? this.totals : this.sections[name];
    if (!s) {
      s = {};
      this.sections[name] = s;
    }
    return s;
  }

  /** Adds `by` (default 1) to a counter, e.g. `inc('totals.received')`, `inc('flow.transferRxBytes', n)`. */
  inc(name: string, by = 1): void {
    const [sec, key] = split(name);
    const s = this.section(sec);
    const v = s[key];
    s[key] = (typeof v === 'number' ? v : 0) + by;
  }

  /** Sets a value, e.g. `set('gather.message.connected', true)`. */
  set(name: string, v: unknown): void {
    const [sec, key] = split(name);
    this.section(sec)[key] = v;
  }

  /** Current value of one metric (undefined when never set). */
  get(name: string): unknown {
    const [sec, key] = split(name);
    return (sec === 'totals' ? this.totals : sec === 'instance' ? this.info : this.sections[sec])?.[key];
  }

  /**
   * Replaces a whole module section with `values` (a plugin's metricsReport(): what it no longer reports goes). The
   * sections the engine writes (`flow`, `gather.message`, `post.message`, `log`, `retry`, `totals`, `instance`) are
   * not replaced: false then.
   */
  setSection(name: string, values: Record<string, unknown>): boolean {
    if (name === 'totals' || name === 'instance' || name in freshSections()) return false;
    this.sections[name] = { ...values };
    return true;
  }

  /** One accepted notice's lag (now - pubTime) in ms: feeds log.lagMax / lagTotal (seconds) / lagMessageCount. */
  lag(ms: number): void {
    const s = this.section('log');
    const sec = Math.max(0, ms) / 1000;
    s.lagTotal = (s.lagTotal as number) + sec;
    s.lagMessageCount = (s.lagMessageCount as number) + 1;
    if (sec > (s.lagMax as number)) s.lagMax = sec;
  }

  /**
   * One rejection (not counting duplicates, which have their own counter): log.rejectCount, totals.rejected
   * and totals.rejectedByReason[{@link reasonKey}(reason)] (e.g. "404 no match"; at most 50 keys, then "other").
   */
  rejected(reason: string): void {
    this.inc('log.rejectCount');
    this.inc('totals.rejected');
    const by = this.totals.rejectedByReason as Record<string, number>;
    let key = reasonKey(reason);
    if (!(key in by) && Object.keys(by).length >= MAX_REASONS) key = 'other';
    by[key] = (by[key] ?? 0) + 1;
  }

  /** Sets the broker queue name shown by `sr status`. */
  setQueue(queue: string): void {
    this.info.queue = queue;
  }

  /** A deep copy of every section as written to the file; refreshes flow.cpuTime and instance.updated. */
  snapshot(): Record<string, Record<string, unknown>> {
    const cpu = process.cpuUsage();
    this.sections.flow!.cpuTime = (cpu.user + cpu.system) / 1e6;
    this.info.updated = this.now();
    return structuredClone({ ...this.sections, totals: this.totals, instance: this.info }) as Record<string, Record<string, unknown>>;
  }

  /** Starts a new interval (housekeeping): sr3 section counters go back to 0; gauges, totals and instance stay. */
  resetInterval(): void {
    const fresh = freshSections();
    for (const [name, s] of Object.entries(this.sections)) {
      const base = fresh[name];
      if (!base) continue;
      for (const key of Object.keys(s)) {
        if (GAUGES.has(`${name}.${key}`)) continue;
        s[key] = key in base ? base[key] : typeof s[key] === 'number' ? 0 : s[key];
      }
    }
  }

  /**
   * Writes the snapshot atomically (tmp + rename). Without `force`, at most once per interval (5 s): a write
   * asked for too soon is done when the interval ends, so the file never stays stale. Setting
   * `flow.stop_requested` makes the next write immediate. Rejects when the file cannot be written.
   */
  write(force = false): Promise<void> {
    const now = this.now();
    const due = force || this.sections.flow!.stop_requested === true || now - this.lastWrite >= this.interval;
    if (!due) {
      if (!this.trailing) {
        this.trailing = setTimeout(() => {
          this.trailing = undefined;
          this.write(true).catch(() => {});
        }, this.interval - (now - this.lastWrite));
        this.trailing.unref();
      }
      return this.writing;
    }
    if (this.trailing) {
      clearTimeout(this.trailing);
      this.trailing = undefined;
    }
    this.lastWrite = now;
    const data = `${JSON.stringify(this.snapshot())}\n`;
    const run = this.writing.then(async () => {
      await mkdirp(dirname(this.file));
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, data);
      await rename(tmp, this.file);
    });
    this.writing = run.catch(() => {});
    return run;
  }

  /** Stops the pending delayed write, if any (call at exit after a forced write). */
  close(): void {
    if (this.trailing) clearTimeout(this.trailing);
    this.trailing = undefined;
  }
}
