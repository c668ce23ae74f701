// Status states and figures derived from fixture pid files and metrics (no processes, fixed clock).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveStatus, DEFAULT_THRESHOLDS, type Observed } from '../src/state.js';
import { formatStatus } from '../src/table.js';
import type { InstanceMetrics } from '../src/metrics.js';

const NOW = 1_700_000_000_000;

function metrics(instance: number, data: InstanceMetrics, ageMs = 1000) {
  return { instance, data, mtimeMs: NOW - ageMs };
}

function observed(over: Partial<Observed> = {}): Observed {
  return {
    component: 'subscribe', config: 'x', expected: 3, disabled: false, housekeeping: 300, thresholds: DEFAULT_THRESHOLDS,
    pidFiles: [1, 2, 3].map((i) => ({ instance: i, pid: 100 + i, alive: true })),
    metrics: [], logMtimeMs: NOW - 1000, usage: [], ...over,
  };
}

const busy: InstanceMetrics = {
  flow: { transferRxBytes: 3000, transferRxFiles: 3, last_housekeeping: (NOW - 100_000) / 1000, transferRxLast: NOW - 2000 },
  'gather.message': { rxByteCount: 1000, rxGoodCount: 50, rxBadCount: 1, brokerQueuedMessageCount: 7, connected: true, rxLast: NOW - 1000 },
  'post.message': { txByteCount: 500, txGoodCount: 10 },
  log: { lagMax: 4, lagTotal: 20, lagMessageCount: 10 },
  retry: { msgs_in_download_retry: 2, msgs_in_post_retry: 1 },
  totals: { received: 100, accepted: 80, rejected: 15, malformed: 5, duplicates: 3, posted: 40, transferredFiles: 30, transferredBytes: 9000 },
};

test('all instances alive and active -> run, with summed totals, max queue, lag and retry', () => {
  const s = deriveStatus(observed({ metrics: [metrics(1, busy), metrics(2, busy)] }), NOW);
  assert.equal(s.state, 'run');
  assert.equal(s.running, 3);
  assert.deepEqual(s.pids, [101, 102, 103]);
  assert.equal(s.received, 200);
  assert.equal(s.rejected, 30);
  assert.equal(s.malformed, 10);
  assert.equal(s.transferredBytes, 18000);
  assert.equal(s.posted, 80);
  assert.equal(s.retry, 6);
  assert.equal(s.queued, 7);
  assert.equal(s.lagMax, 4);
  assert.equal(s.lagAvg, 2);
  assert.equal(s.rejectPercent, 20);
  assert.equal(s.last, 1);
  // 100 s since housekeeping: 2 x 50 msgs / 100 s
  assert.equal(s.rates.messages, 1);
  assert.equal(s.rates.rxData, 60);
});

test('states: part, miss, stop, disa, fore', () => {
  const alive = (n: number[]) => [1, 2, 3].map((i) => ({ instance: i, pid: 100 + i, alive: n.includes(i) }));
  assert.equal(deriveStatus(observed({ pidFiles: alive([1, 3]) }), NOW).state, 'part');
  assert.deepEqual(deriveStatus(observed({ pidFiles: alive([1, 3]) }), NOW).missing, [2]);
  assert.equal(deriveStatus(observed({ pidFiles: alive([]) }), NOW).state, 'miss');
  assert.deepEqual(deriveStatus(observed({ pidFiles: alive([]) }), NOW).missing, [1, 2, 3]);
  assert.deepEqual(deriveStatus(observed({ pidFiles: [] }), NOW).missing, []);
  assert.equal(deriveStatus(observed({ pidFiles: [] }), NOW).state, 'stop');
  assert.equal(deriveStatus(observed({ disabled: true, pidFiles: [] }), NOW).state, 'disa');
  assert.equal(deriveStatus(observed({ pidFiles: [{ instance: 0, pid: 9, alive: true }] }), NOW).state, 'fore');
});

test('states: hung, rtry, reje, lag, idle by sr3 thresholds', () => {
  const stale = observed({ logMtimeMs: NOW - 500_000, metrics: [metrics(1, {}, 500_000)] });
  assert.equal(deriveStatus(stale, NOW).state, 'hung');
  assert.equal(deriveStatus(observed({ metrics: [metrics(1, { retry: { msgs_in_download_retry: 1001 } })] }), NOW).state, 'rtry');
  assert.equal(deriveStatus(observed({ metrics: [metrics(1, { totals: { received: 10, rejected: 9 } })] }), NOW).state, 'reje');
  assert.equal(deriveStatus(observed({ metrics: [metrics(1, { log: { lagTotal: 310, lagMessageCount: 10 } })] }), NOW).state, 'lag');
  const idle = metrics(1, { 'gather.message': { rxLast: NOW - 1_000_000 }, instance: { started: NOW - 2_000_000 } });
  assert.equal(deriveStatus(observed({ metrics: [idle] }), NOW).state, 'idle');
});

test('the footer counts the instances of a configuration whose every process died (miss 0/1 -> missing: 1)', () => {
  const dead = deriveStatus(observed({ expected: 1, pidFiles: [{ instance: 1, pid: 101, alive: false }] }), NOW);
  assert.equal(dead.state, 'miss');
  const out = formatStatus([dead]);
  assert.match(out, /^subscribe\/x\s+miss\s+0\/1/m);
  assert.match(out, /Processes: 0 missing: 1 stray: 0/);
});

test('msg column: disconnectTime is seconds; a subscriber down 0.3 s of 100 s shows 100%, one down all the time 0%', () => {
  const g = (connected: boolean, disconnectTime: number): InstanceMetrics => ({
    flow: { last_housekeeping: (NOW - 100_000) / 1000 }, 'gather.message': { connected, disconnectTime } });
  assert.equal(Math.round(deriveStatus(observed({ metrics: [metrics(1, g(true, 0.3))] }), NOW).msgConnectedPercent!), 100);
  assert.equal(deriveStatus(observed({ metrics: [metrics(1, g(false, 100))] }), NOW).msgConnectedPercent, 0);
  assert.match(formatStatus([deriveStatus(observed({ metrics: [metrics(1, g(true, 0.3))] }), NOW)]), /^subscribe\/x\s+run\s+3\/3\s+0\s+100%/m);
});

test('a stopped configuration shows no current figures from its last metrics (no stale msg %, rates, queue or lag)', () => {
  const s = deriveStatus(observed({ pidFiles: [], metrics: [metrics(1, busy)] }), NOW);
  assert.equal(s.state, 'stop');
  assert.equal(s.msgConnectedPercent, null);
  assert.deepEqual([s.rates.messages, s.queued, s.retry, s.lagAvg], [0, 0, 0, 0]);
  assert.equal(s.received, 100, 'totals still count');
});

test('metrics files older than 1.5 x housekeeping do not count for rates, retry or queue; totals still count', () => {
  const old = metrics(1, busy, 451_000);
  const s = deriveStatus(observed({ metrics: [old], logMtimeMs: NOW }), NOW);
  assert.equal(s.rates.messages, 0);
  assert.equal(s.queued, 0);
  assert.equal(s.retry, 0);
  assert.equal(s.received, 100);
});

test('the table has sr3 columns, one line per configuration and footer totals', () => {
  const s = deriveStatus(observed({ metrics: [metrics(1, busy)] }), NOW);
  const out = formatStatus([s, deriveStatus(observed({ config: 'y', pidFiles: [] }), NOW)], { strays: 1 });
  const lines = out.split('\n');
  for (const col of ['State', 'Run', 'Retry', 'msg', 'data', 'Que', 'LagMax', 'LagAvg', 'Last', '%rej', 'pubsub', 'messages', 'RxData', 'TxData']) {
    assert.ok(lines[1]!.split(/\s+/).includes(col), col);
  }
  assert.match(out, /^subscribe\/x\s+run\s+3\/3\s+3\s+100%/m);
  assert.match(out, /^subscribe\/y\s+stop\s+0\/3/m);
  assert.match(out, /Total Running Configs: 1 \( Processes: 3 missing: 0 stray: 1 \)/);
  const full = formatStatus([s], { full: true });
  for (const col of ['Msg/scpu', 'Accepted', 'Rejected', 'Malformed', 'rss', 'user', 'system']) assert.ok(full.includes(col), col);
});

test('a failure recorded (the broker refused the login): fail with its reason while instances are down; disabled wins; a stale one under full strength is ignored', () => {
  const failed = { instance: 1, reason: "broker amqp://bob@h:5672/%2F refused the login of user 'bob'", time: NOW - 5000 };
  const down = deriveStatus(observed({ pidFiles: [], failed }), NOW);
  assert.equal(down.state, 'fail');
  assert.deepEqual(down.failed, failed);
  assert.deepEqual(down.missing, [], 'stopped on purpose: not counted missing');
  assert.ok(formatStatus([down]).includes(`subscribe/x: fail: ${failed.reason}`));
  const part = deriveStatus(observed({ pidFiles: [{ instance: 2, pid: 102, alive: true }], failed }), NOW);
  assert.equal(part.state, 'fail');
  assert.equal(deriveStatus(observed({ pidFiles: [], failed, disabled: true }), NOW).state, 'disa');
  const all = deriveStatus(observed({ failed }), NOW);
  assert.equal(all.state, 'run');
  assert.equal(all.failed, undefined);
});

test('slow: messages flowing but fewer file bytes/s than runStateThreshold_slow; off at 0; not while nothing comes', () => {
  const th = { ...DEFAULT_THRESHOLDS, slow: 100 };
  // 3000 bytes over 100 s = 30 B/s, 0.5 msgs/s per instance
  assert.equal(deriveStatus(observed({ expected: 1, pidFiles: [{ instance: 1, pid: 101, alive: true }], thresholds: th, metrics: [metrics(1, busy)] }), NOW).state, 'slow');
  assert.equal(deriveStatus(observed({ expected: 1, pidFiles: [{ instance: 1, pid: 101, alive: true }], metrics: [metrics(1, busy)] }), NOW).state, 'run');
  const quiet: InstanceMetrics = { ...busy, 'gather.message': { ...busy['gather.message'], rxGoodCount: 0 }, flow: { ...busy.flow, transferRxBytes: 0 } };
  assert.equal(deriveStatus(observed({ expected: 1, pidFiles: [{ instance: 1, pid: 101, alive: true }], thresholds: th, metrics: [metrics(1, quiet)] }), NOW).state, 'run');
});

test('cpuS: fewer messages per CPU second than runStateThreshold_cpuSlow', () => {
  const m: InstanceMetrics = { ...busy, flow: { ...busy.flow, cpuTime: 50 } };
  const one = { expected: 1, pidFiles: [{ instance: 1, pid: 101, alive: true }], metrics: [metrics(1, m)] };
  // 100 received / 50 CPU s = 2 msgs per CPU s
  assert.equal(deriveStatus(observed({ ...one, thresholds: { ...DEFAULT_THRESHOLDS, cpuSlow: 5 } }), NOW).state, 'cpuS');
  assert.equal(deriveStatus(observed({ ...one, thresholds: { ...DEFAULT_THRESHOLDS, cpuSlow: 1 } }), NOW).state, 'run');
});

test('wVip: running instances waiting for the vip (a .noVip marker) show wVip rather than idle or lag', () => {
  const stale: InstanceMetrics = { ...busy, log: { lagMax: 90, lagTotal: 900, lagMessageCount: 10 } };
  const s = deriveStatus(observed({ noVip: true, metrics: [metrics(1, stale)] }), NOW);
  assert.equal(s.state, 'wVip');
  assert.equal(deriveStatus(observed({ noVip: true, pidFiles: [{ instance: 1, pid: 101, alive: true }] }), NOW).state, 'part');
});

test('alert: lag beyond messageAgeMax, shown in the JSON record and the table footer', () => {
  const lagging: InstanceMetrics = { ...busy, log: { lagMax: 45, lagTotal: 20, lagMessageCount: 10 } };
  const s = deriveStatus(observed({ ageLimit: 30, metrics: [metrics(1, lagging)] }), NOW);
  assert.equal(s.state, 'run');
  assert.deepEqual(s.alerts, ['lag 45.0s exceeds messageAgeMax 30s']);
  assert.match(formatStatus([s]), /^subscribe\/x: alert: lag 45\.0s exceeds messageAgeMax 30s$/m);
  assert.deepEqual(deriveStatus(observed({ metrics: [metrics(1, lagging)] }), NOW).alerts, []);
  assert.deepEqual(deriveStatus(observed({ ageLimit: 60, metrics: [metrics(1, lagging)] }), NOW).alerts, []);
  // the notices past messageAgeMax are rejected before their lag is counted: their count is the alert
  const expired: InstanceMetrics = { ...busy, log: { ...busy.log, tooOldCount: 7 } };
  assert.deepEqual(deriveStatus(observed({ ageLimit: 30, metrics: [metrics(1, expired), metrics(2, expired)] }), NOW).alerts,
    ['lag exceeds messageAgeMax 30s: 14 notice(s) rejected as too old since the last housekeeping']);
});

test('alert: a retry queue that grew, never shrinking, for 10 minutes; not one that shrank or whose history is shorter', () => {
  const min = 60_000;
  const withHistory = (h: unknown): InstanceMetrics => ({ ...busy, retry: { ...busy.retry, depthHistory: h } });
  const grew = Array.from({ length: 11 }, (_, i) => [NOW - (10 - i) * min, 3 + i * 4]);
  const s = deriveStatus(observed({ metrics: [metrics(2, withHistory(grew))] }), NOW);
  assert.deepEqual(s.alerts, ['instance 2: retry queue grew from 3 to 43 over 10 min']);
  assert.match(formatStatus([s]), /subscribe\/x: alert: instance 2: retry queue grew from 3 to 43/);
  const dipped = grew.map(([t, n], i) => [t, i === 5 ? 1 : n]);
  const short = grew.slice(2);
  const flat = grew.map(([t]) => [t, 7]);
  for (const h of [dipped, short, flat, 'junk', [[NOW, 'x']], []]) {
    assert.deepEqual(deriveStatus(observed({ metrics: [metrics(2, withHistory(h))] }), NOW).alerts, [], JSON.stringify(h));
  }
});

test('restarts by sr sanity: summed over the instances, in the record and the footer', () => {
  const s = deriveStatus(observed({ restarts: { 1: 2, 3: 1 } }), NOW);
  assert.equal(s.restarts, 3);
  assert.match(formatStatus([s]), /^subscribe\/x: restarted 3 time\(s\) by sr sanity since the last start$/m);
  assert.equal(deriveStatus(observed(), NOW).restarts, 0);
  assert.doesNotMatch(formatStatus([deriveStatus(observed(), NOW)]), /restarted/);
});

test('the broker node of each live consumer instance (a cluster host list): in the status, and in the wide view with the statehost', () => {
  const on = (node: string): InstanceMetrics => ({ ...busy, 'gather.message': { ...busy['gather.message'], brokerNode: node } });
  const s = deriveStatus(observed({
    host: 'nodea',
    pidFiles: [1, 2, 3].map((i) => ({ instance: i, pid: 100 + i, alive: i !== 3 })),
    metrics: [metrics(2, on('127.0.0.1:5674')), metrics(1, on('127.0.0.1:5673')), metrics(3, on('127.0.0.1:5675'))],
  }), NOW);
  assert.deepEqual(s.nodes, [{ instance: 1, node: '127.0.0.1:5673' }, { instance: 2, node: '127.0.0.1:5674' }], 'live instances only, in order');
  assert.equal(s.host, 'nodea');
  assert.doesNotMatch(formatStatus([s]), /broker node|statehost/, 'the default table keeps sr3\'s layout');
  const wide = formatStatus([s], { full: true });
  assert.match(wide, /^subscribe\/x: broker node 1:127\.0\.0\.1:5673 2:127\.0\.0\.1:5674$/m);
  assert.match(wide, /^subscribe\/x: statehost nodea$/m);
  assert.deepEqual(deriveStatus(observed({ metrics: [metrics(1, busy)] }), NOW).nodes, [], 'no node when not told');
});
