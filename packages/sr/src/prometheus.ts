// `/metrics` of `sr serve`: the per-instance metrics files and /proc usage rendered in the Prometheus text format (prom-client).
import { Counter, Gauge, Registry } from 'prom-client';
import { num, type InstanceMetrics } from './metrics.js';
import type { ProcUsage } from './procfs.js';

/** What is known of one instance at scrape time: its metrics file (if any) and, when its process runs, its usage. */
export interface InstanceSample {
  component: string; config: string; instance: number;
  metrics?: InstanceMetrics;
  /** modification time of the metrics file, ms since epoch */ mtimeMs?: number;
  /** true when the instance's process is alive */ up: boolean;
  /** crashed and restarted by sr sanity, since the configuration's last start (absent: 0) */ restarts?: number;
  usage?: ProcUsage;
}

const LABELS = ['component', 'config', 'instance'] as const;
type Def = [name: string, help: string, get: (m: InstanceMetrics) => number | undefined];

/** Counters read from `totals` (cumulative since the instance started; a restart resets them, as Prometheus expects). */
const COUNTERS: Def[] = [
  ['sarra_received_total', 'Notification messages received.', (m) => m.totals?.received],
  ['sarra_accepted_total', 'Messages accepted by the filters.', (m) => m.totals?.accepted],
  ['sarra_malformed_total', 'Messages that could not be decoded.', (m) => m.totals?.malformed],
  ['sarra_duplicates_total', 'Messages dropped as duplicates (nodupe).', (m) => m.totals?.duplicates],
  ['sarra_transferred_files_total', 'Files downloaded or sent.', (m) => m.totals?.transferredFiles],
  ['sarra_transferred_bytes_total', 'Bytes of files downloaded or sent.', (m) => m.totals?.transferredBytes],
  ['sarra_posted_total', 'Messages published.', (m) => m.totals?.posted],
  ['sarra_post_failed_total', 'Messages that could not be published.', (m) => m.totals?.postFailed],
  ['sarra_failed_total', 'Messages whose transfer failed (queued for retry or given up).', (m) => m.totals?.failed],
  ['sarra_broker_disconnects_total', 'Broker connections lost since the instance started.', (m) => m['gather.message']?.disconnectCount],
];

/** Gauges: values as of the instance's last housekeeping. */
const GAUGES: Def[] = [
  ['sarra_broker_connected', '1 when the instance is connected to its broker, 0 when not.',
    (m) => { const c = m['gather.message']?.connected; return c === undefined ? undefined : c ? 1 : 0; }],
  ['sarra_broker_queued_messages', 'Messages waiting in the broker queue (last passive declare).', (m) => m['gather.message']?.brokerQueuedMessageCount],
  ['sarra_lag_max_seconds', 'Largest lag (publish to receipt) since the last housekeeping.', (m) => m.log?.lagMax],
  ['sarra_lag_average_seconds', 'Mean lag of accepted messages since the last housekeeping.',
    (m) => { const n = num(m.log?.lagMessageCount); return n > 0 ? num(m.log?.lagTotal) / n : m.log ? 0 : undefined; }],
];

/** Renders the samples; a fresh registry each scrape, so a configuration removed is a series gone. */
export async function renderMetrics(samples: InstanceSample[]): Promise<{ contentType: string; text: string }> {
  const registry = new Registry();
  const registers = [registry];
  const labelsOf = (s: InstanceSample): Record<(typeof LABELS)[number], string> =>
    ({ component: s.component, config: s.config, instance: String(s.instance) });
  const up = new Gauge({ name: 'sarra_instance_up', help: '1 when the instance process runs, 0 when it does not.', labelNames: LABELS, registers });
  const rejected = new Counter({ name: 'sarra_rejected_total', help: 'Messages rejected, by reason.', labelNames: [...LABELS, 'reason'], registers });
  const retry = new Gauge({ name: 'sarra_retry_queue_messages', help: 'Messages in a retry queue (download or post).', labelNames: [...LABELS, 'queue'], registers });
  const rss = new Gauge({ name: 'sarra_process_resident_memory_bytes', help: 'Resident memory of the instance process.', labelNames: LABELS, registers });
  const cpu = new Counter({ name: 'sarra_process_cpu_seconds_total', help: 'User and system CPU time of the instance process.', labelNames: LABELS, registers });
  const restarts = new Counter({ name: 'sarra_instance_restarts_total', help: 'Restarts of the instance by sr sanity after it died, since the configuration was last started.', labelNames: LABELS, registers });
  const updated = new Gauge({ name: 'sarra_metrics_updated_timestamp_seconds', help: 'When the instance last wrote its metrics file (Unix time).', labelNames: LABELS, registers });
  const counters = COUNTERS.map(([name, help, get]) => ({ metric: new Counter({ name, help, labelNames: LABELS, registers }), get }));
  const gauges = GAUGES.map(([name, help, get]) => ({ metric: new Gauge({ name, help, labelNames: LABELS, registers }), get }));
  for (const s of samples) {
    const labels = labelsOf(s);
    up.set(labels, s.up ? 1 : 0);
    restarts.inc(labels, s.restarts ?? 0);
    if (s.usage) {
      rss.set(labels, s.usage.rss);
      cpu.inc(labels, s.usage.user + s.usage.system);
    }
    const m = s.metrics;
    if (!m) continue;
    if (s.mtimeMs) updated.set(labels, s.mtimeMs / 1000);
    for (const c of counters) { const v = c.get(m); if (v !== undefined) c.metric.inc(labels, Math.max(0, num(v))); }
    for (const g of gauges) { const v = g.get(m); if (v !== undefined) g.metric.set(labels, num(v)); }
    // reasons as the instance counted them; a writer without reasons still has its total under reason="other"
    const byReason = m.totals?.rejectedByReason ?? {};
    let withReason = 0;
    for (const [reason, n] of Object.entries(byReason)) { rejected.inc({ ...labels, reason }, Math.max(0, num(n))); withReason += num(n); }
    const rest = num(m.totals?.rejected) - withReason;
    if (rest > 0) rejected.inc({ ...labels, reason: 'other' }, rest);
    if (m.retry) {
      retry.set({ ...labels, queue: 'download' }, num(m.retry.msgs_in_download_retry));
      retry.set({ ...labels, queue: 'post' }, num(m.retry.msgs_in_post_retry));
    }
  }
  return { contentType: registry.contentType, text: await registry.metrics() };
}
