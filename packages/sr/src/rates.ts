// The last hour of each configuration's rates, kept in memory by `sr serve` from the totals in the metrics files.

/** One point of a rate chart: messages received and file bytes transferred per second, up to time `t` (ms). */
export interface RatePoint { t: number; messages: number; bytes: number }

/** Cumulative totals of one configuration as of `t` (ms): the newest write among its instances' metrics files. */
export interface TotalsSample { t: number; received: number; bytes: number }

/** How far back the charts go (ms). */
export const RATE_WINDOW_MS = 3_600_000;

/**
 * Rates from successive totals: a point is the increase since the previous sample divided by the time between the
 * two metrics writes, so a sample taken between writes adds nothing and a stopped configuration adds no points.
 */
export class RateHistory {
  private readonly last = new Map<string, TotalsSample>();
  private readonly points = new Map<string, RatePoint[]>();
  /** when the first sample was taken (ms): the charts start there until an hour has passed */
  readonly since = Date.now();

  /** Adds a sample of configuration `key` (`component/config`). */
  add(key: string, s: TotalsSample): void {
    const prev = this.last.get(key);
    if (prev && s.t <= prev.t) return;
    this.last.set(key, s);
    if (!prev) return;
    const dt = (s.t - prev.t) / 1000;
    // an instance that restarted counts from 0 again: what it counted since is the increase
    const inc = (now: number, before: number): number => (now >= before ? now - before : now);
    const list = this.points.get(key) ?? [];
    list.push({ t: s.t, messages: inc(s.received, prev.received) / dt, bytes: inc(s.bytes, prev.bytes) / dt });
    while (list.length && list[0]!.t < s.t - RATE_WINDOW_MS) list.shift();
    this.points.set(key, list);
  }

  /** The points of `key` newer than `now` - 1 h, oldest first. */
  series(key: string, now: number): RatePoint[] {
    return (this.points.get(key) ?? []).filter((p) => p.t >= now - RATE_WINDOW_MS);
  }

  /** Drops configurations no longer served (removed, or outside the selection). */
  keep(keys: Set<string>): void {
    for (const k of [...this.last.keys()]) if (!keys.has(k)) { this.last.delete(k); this.points.delete(k); }
  }
}
