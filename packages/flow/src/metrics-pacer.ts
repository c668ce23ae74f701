// The metrics ticker of a flow: the metrics file rewritten every few seconds, busy or idle, and at once on a connection change.
import type { Logger } from '@sarra/common';
import { describeError } from '@sarra/common';
import type { FlowParts } from './flow-parts.js';
import { collectHookMetrics } from './hooks.js';

/** Ms between two writes (besides forced ones). */
const METRICS_EVERY_MS = 5000;
/** How often (ms) the gatherer's connection is looked at: a loss or a reconnect is written at once. */
const CONNECTION_CHECK_MS = 1000;
/** Retry queue depth history written for `sr status`'s growth alert: about one sample a minute, the last 11 minutes. */
const DEPTH_EVERY_MS = 60_000;
const DEPTH_KEEP_MS = 11 * 60_000;

/**
 * Writes a flow's metrics (`parts.metrics`): the engine's gauges (cpu time, retry queue sizes, the gatherer's
 * own metrics, each plugin's metricsReport()) set just before each write, one write at a time. Without `parts.metrics` it does nothing.
 */
export class MetricsPacer {
  private last = 0;
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** The gatherer's connection state at the last look (undefined: it has none). */
  private wasConnected: boolean | undefined;
  /** [ms, messages in both retry queues]: fixed samples about a minute apart, then the current one (overwritten) */
  private depths: [number, number][] = [];
  /** Plugins whose section name is one the engine writes: warned about once. */
  private readonly refused = new Set<string>();

  constructor(private readonly parts: FlowParts, private readonly log: Logger) {}

  /** Writes the first snapshot (it already shows the connection), then keeps writing on its timer. */
  async start(): Promise<void> {
    const p = this.parts;
    this.wasConnected = p.gatherer.isConnected?.();
    await this.write(true);
    const everyMs = Math.min(p.metricsEveryMs ?? METRICS_EVERY_MS, p.metricsIdleMs ?? METRICS_EVERY_MS);
    this.timer = setInterval(() => {
      const up = p.gatherer.isConnected?.();
      if (up !== this.wasConnected) {
        this.wasConnected = up;
        void this.write(true);
      } else if (Date.now() - this.last >= everyMs) void this.write(false);
    }, Math.min(everyMs, CONNECTION_CHECK_MS));
    this.timer.unref();
  }

  /** Stops the timer (writes asked for afterwards still happen). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Writes now (after any write running), or, from the timer, only when none is running. */
  async write(force = true): Promise<void> {
    const m = this.parts.metrics;
    if (!m) return;
    const now = Date.now();
    if (!force && this.writing) return;
    // one write at a time (the file is replaced through a temporary name)
    while (this.writing) await this.writing;
    this.last = now;
    const w = this.writeNow();
    this.writing = w;
    try {
      await w;
    } finally {
      this.writing = undefined;
    }
  }

  /**
   * The depth history with `depth` at `now`: kept by the instance (the supervisor is not always running), so a
   * restart starts it anew; `sr status` alerts when it grew, never shrinking, for 10 minutes.
   */
  private depthHistory(now: number, depth: number): [number, number][] {
    const d = this.depths;
    if (d.length < 2 || now - d[d.length - 2]![0] >= DEPTH_EVERY_MS) d.push([now, depth]);
    else d[d.length - 1] = [now, depth];
    while (d.length > 2 && now - d[0]![0] > DEPTH_KEEP_MS) d.shift();
    return d.map(([t, n]) => [t, n]);
  }

  private async writeNow(): Promise<void> {
    const p = this.parts;
    const m = p.metrics!;
    const cpu = process.cpuUsage();
    m.set('flow.cpuTime', (cpu.user + cpu.system) / 1e6);
    const work = p.workRetry?.size() ?? 0, post = p.poster?.pending() ?? 0;
    m.set('retry.msgs_in_download_retry', work);
    m.set('retry.msgs_in_post_retry', post);
    m.set('retry.depthHistory', this.depthHistory(Date.now(), work + post));
    const g = p.gatherer.metrics?.();
    if (g) for (const [k, v] of Object.entries(g)) m.set(`${p.gatherer.name}.${k}`, v);
    // what each plugin's metricsReport() returns: a section named after the plugin (sr3's metrics file)
    for (const [h, values] of Object.entries(collectHookMetrics(p.hooks, this.log))) {
      if (m.setSection?.(h, values ?? {}) === false && !this.refused.has(h)) {
        this.refused.add(h);
        this.log.warning(`plugin ${h}: its metricsReport is not written (the metrics file's ${h} section is the engine's)`);
      }
    }
    await m.write().catch((err: unknown) => this.log.warning(`metrics write: ${describeError(err)}`));
  }
}
