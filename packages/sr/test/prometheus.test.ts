// The Prometheus text of `sr serve` rendered from a fixture metrics file: names, labels and values a dashboard reads.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { InstanceMetrics } from '../src/metrics.js';
import { renderMetrics } from '../src/prometheus.js';

/** `name{labels} value` lines of a Prometheus text exposition, keyed by `name{labels}` as printed. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

const fixture = async (): Promise<InstanceMetrics> =>
  JSON.parse(await readFile(new URL('./fixtures/metrics-subscribe-s-01.json', import.meta.url), 'utf8')) as InstanceMetrics;

test('counters, gauges and process usage of an instance, labelled component/config/instance', async () => {
  const { contentType, text } = await renderMetrics([{ component: 'subscribe', config: 's', instance: 1, up: true, restarts: 2,
    metrics: await fixture(), mtimeMs: 1764766800000, usage: { rss: 50 * 1024 * 1024, vms: 0, user: 1.25, system: 0.5 } }]);
  assert.match(contentType, /^text\/plain; version=0\.0\.4/);
  const s = samples(text);
  const l = 'component="subscribe",config="s",instance="1"';
  const expect: Record<string, number> = {
    [`sarra_instance_up{${l}}`]: 1,
    [`sarra_instance_restarts_total{${l}}`]: 2,
    [`sarra_received_total{${l}}`]: 12,
    [`sarra_accepted_total{${l}}`]: 6,
    [`sarra_rejected_total{${l},reason="404 no match"}`]: 4,
    [`sarra_rejected_total{${l},reason="304 duplicate"}`]: 1,
    [`sarra_malformed_total{${l}}`]: 1,
    [`sarra_duplicates_total{${l}}`]: 1,
    [`sarra_transferred_files_total{${l}}`]: 2,
    [`sarra_transferred_bytes_total{${l}}`]: 2048,
    [`sarra_posted_total{${l}}`]: 0,
    [`sarra_failed_total{${l}}`]: 3,
    [`sarra_retry_queue_messages{${l},queue="download"}`]: 3,
    [`sarra_retry_queue_messages{${l},queue="post"}`]: 0,
    [`sarra_broker_connected{${l}}`]: 1,
    [`sarra_broker_queued_messages{${l}}`]: 7,
    [`sarra_broker_disconnects_total{${l}}`]: 1,
    [`sarra_lag_max_seconds{${l}}`]: 2.5,
    [`sarra_lag_average_seconds{${l}}`]: 1.5,
    [`sarra_process_resident_memory_bytes{${l}}`]: 50 * 1024 * 1024,
    [`sarra_process_cpu_seconds_total{${l}}`]: 1.75,
    [`sarra_metrics_updated_timestamp_seconds{${l}}`]: 1764766800,
  };
  for (const [k, v] of Object.entries(expect)) assert.equal(s.get(k), v, k);
  assert.match(text, /^# TYPE sarra_received_total counter$/m);
  assert.match(text, /^# TYPE sarra_retry_queue_messages gauge$/m);
});

test('a stopped instance is up 0 with its last counts and no process usage; rejects without reasons are "other"', async () => {
  const m = await fixture();
  m.totals = { received: 3, rejected: 2 };
  const { text } = await renderMetrics([{ component: 'sarra', config: 'x', instance: 2, up: false, metrics: m }]);
  const s = samples(text);
  const l = 'component="sarra",config="x",instance="2"';
  assert.equal(s.get(`sarra_instance_up{${l}}`), 0);
  assert.equal(s.get(`sarra_received_total{${l}}`), 3);
  assert.equal(s.get(`sarra_rejected_total{${l},reason="other"}`), 2);
  assert.equal(s.get(`sarra_process_resident_memory_bytes{${l}}`), undefined);
  assert.equal(s.get(`sarra_accepted_total{${l}}`), undefined);
});
