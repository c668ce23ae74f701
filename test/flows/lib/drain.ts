// Flow-test helper: `drain` of ACCEPTANCE.md: broker queues empty, retry queues empty, then a quiet period.
import type { Pump, StatusRecord } from './pump.js';

export interface DrainOptions {
  /** give up after this, ms (default 120 s) */ timeoutMs?: number;
  /** the condition must hold, with no counter moving, for this long, ms (default 7 s: metrics are written every 5 s while busy) */ quietMs?: number;
  /** only these queues count (default: every queue of the vhost) */ queueFilter?: (name: string) => boolean;
  /** polling interval, ms (default 1000) */ intervalMs?: number;
}

/** Q(): ready + unacked messages over the test's queues, and the per-queue depths. */
export async function queueDepth(p: Pump, filter: (name: string) => boolean = () => true): Promise<{ total: number; byQueue: Record<string, number> }> {
  const qs = await p.vh.mgmt.queues(p.vh.vhost);
  const byQueue: Record<string, number> = {};
  let total = 0;
  for (const q of qs) {
    if (!filter(q.name)) continue;
    const n = (q.messages_ready ?? 0) + (q.messages_unacknowledged ?? 0);
    byQueue[q.name] = n;
    total += n;
  }
  return { total, byQueue };
}

/** A fingerprint of every counter in `sr status --json`: changes while anything still moves. */
function activity(rows: StatusRecord[]): string {
  return rows.map((r) => `${r.component}/${r.config}:${r.received},${r.posted},${r.transferredFiles},${r.rejected},${r.duplicates},${r.malformed}`).join(' ');
}

/** Everything a red run needs to say why: status, queue depths, log tails. */
export async function diagnostics(p: Pump): Promise<string> {
  const st = await p.sr(['status', '--json']).then((r) => r.stdout || r.stderr, (e: unknown) => String(e));
  const q = await queueDepth(p).then((d) => JSON.stringify(d.byQueue, null, 1), (e: unknown) => String(e));
  return `---- sr status --json\n${st}\n---- queue depths (ready+unacked)\n${q}\n---- logs\n${await p.logTails(30)}`;
}

/**
 * Waits until Q()==0 and every retry queue is empty (sum of `retry` in `sr status --json`), then until that
 * stays true and no counter moves for `quietMs`. Throws an Error with `diagnostics()` on timeout.
 */
export async function drain(p: Pump, opts: DrainOptions = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 120_000, quietMs = opts.quietMs ?? 7_000, interval = opts.intervalMs ?? 1_000;
  const deadline = Date.now() + timeoutMs;
  let quietSince: number | undefined, last = '';
  let why = '';
  for (;;) {
    const [q, rows] = await Promise.all([queueDepth(p, opts.queueFilter), p.status()]);
    const retry = rows.reduce((a, r) => a + (r.retry ?? 0), 0);
    const fp = activity(rows);
    if (q.total === 0 && retry === 0) {
      if (quietSince === undefined || fp !== last) quietSince = Date.now();
      else if (Date.now() - quietSince >= quietMs) return;
    } else {
      quietSince = undefined;
      why = `Q()=${q.total} retry=${retry}`;
    }
    last = fp;
    if (Date.now() > deadline) {
      throw new Error(`drain: not drained after ${timeoutMs} ms (${why || 'counters still moving'})\n${await diagnostics(p)}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Polls `cond` until truthy; on timeout throws with `what` and the pump diagnostics. */
export async function until<T>(p: Pump, what: string, cond: () => Promise<T> | T, timeoutMs = 60_000, intervalMs = 500): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${await diagnostics(p)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
