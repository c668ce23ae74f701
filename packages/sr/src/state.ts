// Pure derivation of one configuration's status (sr3 columns and states) from pid files, /proc and metrics.
import { num, type MetricsSample } from './metrics.js';
import type { ProcUsage } from './procfs.js';
import type { Failure } from './failed.js';
import { alertsOf } from './alerts.js';

/** sr3 status states (COMPAT §2). */
export type RunState = 'run' | 'stop' | 'disa' | 'part' | 'miss' | 'hung' | 'idle' | 'lag' | 'reje' | 'rtry' | 'slow' | 'cpuS' |
  'wVip' | 'fore' | 'fail';

/**
 * Thresholds deciding the refined states; sr3's `runStateThreshold_*` options, in seconds / percent / messages;
 * `slow` in bytes/s and `cpuSlow` in messages per CPU second (0: that state is off).
 */
export interface Thresholds { hung: number; idle: number; lag: number; reject: number; retry: number; slow: number; cpuSlow: number }
export const DEFAULT_THRESHOLDS: Thresholds = { hung: 450, idle: 900, lag: 30, reject: 80, retry: 1000, slow: 0, cpuSlow: 0 };

/** Everything observed about one configuration, gathered by status.ts. */
export interface Observed {
  component: string; config: string;
  /** instances configured */ expected: number;
  disabled: boolean;
  /** housekeeping interval (s): metrics files older than 1.5x are ignored for rates */ housekeeping: number;
  thresholds: Thresholds;
  /** pid files found: instance -> pid, with liveness */ pidFiles: { instance: number; pid: number; alive: boolean }[];
  metrics: MetricsSample[];
  /** newest log file mtime over the instances (ms), 0 when none */ logMtimeMs: number;
  /** statehost: the host directory read */ host?: string;
  usage: ProcUsage[];
  /** load error of the configuration, when it could not be read */ error?: string;
  /** why its instances stopped for good (the broker refused the login), until the next start */ failed?: Failure;
  /** a live instance left a `.noVip` marker: it runs passive, waiting for the vip */ noVip?: boolean;
  /** restarts of crashed instances by sr sanity, per instance number, since the last `sr start` */ restarts?: Record<number, number>;
  /** the configuration's messageAgeMax (s), 0 = none: a larger lag is an alert */ ageLimit?: number;
}

/** One configuration's status line, also the `sr status --json` record. */
export interface ConfigStatus {
  component: string; config: string; state: RunState; expected: number; running: number; pids: number[];
  /** instance numbers expected but not running */ missing: number[];
  received: number; accepted: number; rejected: number; malformed: number; duplicates: number; posted: number;
  transferredFiles: number; transferredBytes: number;
  /** messages in the download and post retry queues */ retry: number;
  /** messages waiting in the broker queue (lead instance's last passive declare) */ queued: number;
  /** seconds */ lagMax: number; /** seconds */ lagAvg: number;
  /** seconds since the last transfer or message; null when nothing happened yet */ last: number | null;
  /** percent of received that were rejected or malformed */ rejectPercent: number;
  /** percent of the interval connected to the broker; null when unknown */ msgConnectedPercent: number | null;
  /** rates over the time since the last housekeeping: notification bytes/s, messages/s, file bytes/s in and out */
  rates: { pubsub: number; messages: number; rxData: number; txData: number };
  full: { subBytes: number; pubBytes: number; pubMsgs: number; pubMal: number; rxFiles: number; txFiles: number;
    rxBytes: number; txBytes: number; since: number | null; uss: number | null; rss: number; vms: number; user: number; system: number; msgsPerCpu: number };
  /** instances restarted by sr sanity after a crash, summed over the instances, since the last `sr start` */ restarts: number;
  /** what needs an operator's look though the state may say `run`: lag beyond messageAgeMax, a retry queue growing for 10 min */
  alerts: string[];
  error?: string;
  /** state `fail`: the instance that stopped, why (one line to act on) and when (ms) */ failed?: Failure;
  /** the broker node (host:port of the URL's host list) each running consumer instance is on, lowest instance first */
  nodes?: { instance: number; node: string }[];
  /** statehost: the host directory these figures come from (this host's own instances) */ host?: string;
}

/** Derives the status of one configuration at time `now` (ms). Pure: no I/O, no clock. */
export function deriveStatus(o: Observed, now: number): ConfigStatus {
  const live = o.pidFiles.filter((p) => p.alive);
  const running = live.filter((p) => p.instance > 0).length;
  const foreground = live.some((p) => p.instance === 0);
  const liveInstances = new Set(live.map((p) => p.instance));
  // expected instances not alive, once the configuration was started (state part or miss): the footer sums these
  const started = running > 0 || (!o.disabled && !foreground && o.pidFiles.length > 0);
  const missing: number[] = [];
  for (let i = 1; i <= o.expected; i++) if (!liveInstances.has(i) && started) missing.push(i);

  // counts: cumulative totals of every instance file; rates: only files fresh enough to describe the present
  // a configuration with no live process has no present: its last figures would pass for current ones (stale rows)
  const fresh = running > 0 || foreground ? o.metrics.filter((m) => now - m.mtimeMs <= 1.5 * o.housekeeping * 1000) : [];
  const t = { received: 0, accepted: 0, rejected: 0, malformed: 0, duplicates: 0, posted: 0, transferredFiles: 0, transferredBytes: 0 };
  let retry = 0, queued = 0, lagMax = 0, lagTotal = 0, lagCount = 0, lastMs = 0, startedMs = 0;
  for (const m of o.metrics) {
    const tot = m.data.totals ?? {};
    t.received += num(tot.received); t.accepted += num(tot.accepted); t.rejected += num(tot.rejected);
    t.malformed += num(tot.malformed); t.duplicates += num(tot.duplicates); t.posted += num(tot.posted);
    t.transferredFiles += num(tot.transferredFiles); t.transferredBytes += num(tot.transferredBytes);
    const f = m.data.flow ?? {}, g = m.data['gather.message'] ?? {}, p = m.data['post.message'] ?? {};
    lastMs = Math.max(lastMs, num(f.transferRxLast), num(f.transferTxLast), num(g.rxLast), num(p.txLast));
    startedMs = Math.max(startedMs, num(m.data.instance?.started));
  }
  const rates = { pubsub: 0, messages: 0, rxData: 0, txData: 0 };
  const full = { subBytes: 0, pubBytes: 0, pubMsgs: 0, pubMal: 0, rxFiles: 0, txFiles: 0, rxBytes: 0, txBytes: 0 };
  let connectedSum = 0, connectedN = 0, cpuTime = 0, since: number | null = null;
  for (const m of fresh) {
    const f = m.data.flow ?? {}, g = m.data['gather.message'] ?? {}, p = m.data['post.message'] ?? {}, l = m.data.log ?? {};
    const r = m.data.retry ?? {};
    retry += num(r.msgs_in_download_retry) + num(r.msgs_in_post_retry);
    queued = Math.max(queued, num(g.brokerQueuedMessageCount));
    lagMax = Math.max(lagMax, num(l.lagMax));
    lagTotal += num(l.lagTotal); lagCount += num(l.lagMessageCount);
    // counters run since the last housekeeping, or since the start before the first one; s or ms both accepted
    const hk = num(f.last_housekeeping);
    const hkMs = hk > 1e12 ? hk : hk > 0 ? hk * 1000 : num(m.data.instance?.started);
    const elapsed = hkMs > 0 ? Math.max(1, (now - hkMs) / 1000) : Math.max(1, o.housekeeping);
    since = since === null ? elapsed : Math.min(since, elapsed);
    rates.pubsub += (num(g.rxByteCount) + num(p.txByteCount)) / elapsed;
    rates.messages += num(g.rxGoodCount) / elapsed;
    rates.rxData += num(f.transferRxBytes) / elapsed;
    rates.txData += num(f.transferTxBytes) / elapsed;
    full.subBytes += num(g.rxByteCount); full.pubBytes += num(p.txByteCount); full.pubMsgs += num(p.txGoodCount);
    full.pubMal += num(p.txBadCount); full.rxFiles += num(f.transferRxFiles); full.txFiles += num(f.transferTxFiles);
    full.rxBytes += num(f.transferRxBytes); full.txBytes += num(f.transferTxBytes);
    cpuTime += num(f.cpuTime);
    if (m.data['gather.message']) {
      connectedN++;
      const down = Math.min(elapsed, num(g.disconnectTime));
      connectedSum += g.connected === false && down === 0 ? 0 : 100 * (1 - down / elapsed);
    }
  }
  const lagAvg = lagCount > 0 ? lagTotal / lagCount : 0;
  const rejectPercent = t.received > 0 ? (100 * (t.rejected + t.malformed)) / t.received : 0;
  const mem = o.usage.reduce((a, u) => ({ rss: a.rss + u.rss, vms: a.vms + u.vms, user: a.user + u.user, system: a.system + u.system }),
    { rss: 0, vms: 0, user: 0, system: 0 });
  const ussKnown = o.usage.filter((u) => u.uss !== undefined);
  const ussSum = ussKnown.length ? ussKnown.reduce((a, u) => a + u.uss!, 0) : null;
  const activity = lastMs || startedMs;
  const last = lastMs > 0 ? Math.max(0, (now - lastMs) / 1000) : null;
  const msgsPerCpu = cpuTime > 0 ? t.received / cpuTime : 0;

  let state: RunState;
  if (o.disabled) state = 'disa';
  // a failed instance does not come back by itself (sanity leaves it): say so rather than stop, miss or part
  else if (o.failed && running < o.expected) state = 'fail';
  else if (running === 0) state = foreground ? 'fore' : o.pidFiles.length > 0 ? 'miss' : 'stop';
  else if (running < o.expected) state = 'part';
  else {
    const newestWrite = Math.max(o.logMtimeMs, ...o.metrics.map((m) => m.mtimeMs), 0);
    // a live flow rewrites its metrics at every housekeeping: never call hung what merely has a long interval
    const hungS = Math.max(o.thresholds.hung, 1.5 * o.housekeeping);
    if (newestWrite > 0 && now - newestWrite > hungS * 1000) state = 'hung';
    // a passive poll (another node holds the vip) is meant to be quiet: not idle, slow nor lagging
    else if (o.noVip) state = 'wVip';
    else if (retry > o.thresholds.retry) state = 'rtry';
    else if (rejectPercent > o.thresholds.reject) state = 'reje';
    else if (lagAvg > o.thresholds.lag) state = 'lag';
    // slow and cpuS judge work done: a flow that received nothing in the interval is idle or run, not slow
    else if (o.thresholds.slow > 0 && rates.messages > 0 && rates.rxData + rates.txData < o.thresholds.slow) state = 'slow';
    else if (o.thresholds.cpuSlow > 0 && msgsPerCpu > 0 && msgsPerCpu < o.thresholds.cpuSlow) state = 'cpuS';
    else if (activity > 0 && now - activity > o.thresholds.idle * 1000) state = 'idle';
    else state = 'run';
  }
  const status: ConfigStatus = {
    component: o.component, config: o.config, state, expected: o.expected, running,
    pids: live.map((p) => p.pid), missing,
    ...t, retry, queued, lagMax, lagAvg, last, rejectPercent,
    msgConnectedPercent: connectedN > 0 ? connectedSum / connectedN : null,
    rates,
    full: { ...full, since, uss: ussSum, rss: mem.rss, vms: mem.vms, user: mem.user, system: mem.system, msgsPerCpu },
    restarts: Object.values(o.restarts ?? {}).reduce((a, n) => a + n, 0),
    alerts: alertsOf(fresh, lagMax, o.ageLimit ?? 0),
    nodes: fresh.filter((m) => liveInstances.has(m.instance) && m.data['gather.message']?.brokerNode)
      .map((m) => ({ instance: m.instance, node: m.data['gather.message']!.brokerNode! })).sort((a, b) => a.instance - b.instance),
  };
  if (o.host) status.host = o.host;
  if (o.error) status.error = o.error;
  if (state === 'fail') status.failed = o.failed;
  return status;
}
