// Metrics: schema of the file, counters, lag, rejections by reason, interval reset, atomic throttled writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withTempDir } from '@sarra/testkit/home';
import { Metrics } from '../src/metrics.js';

const withDir = (fn: (dir: string) => Promise<void>): Promise<void> => withTempDir('metrics-', fn);

test('snapshot has every section of the schema with sr3 keys', () => {
  const m = new Metrics('/unused', { component: 'subscribe', config: 'x', instance: 1, queue: 'q_guest.subscribe.x', now: () => 42 });
  const s = m.snapshot();
  assert.deepEqual(Object.keys(s).sort(), ['flow', 'gather.message', 'instance', 'log', 'post.message', 'retry', 'totals']);
  for (const k of ['transferRxBytes', 'transferRxFiles', 'transferTxBytes', 'transferTxFiles', 'transferRxLast', 'transferTxLast', 'cpuTime', 'last_housekeeping', 'next_housekeeping', 'stop_requested']) {
    assert.ok(k in s.flow!, k);
  }
  for (const k of ['rxByteCount', 'rxGoodCount', 'rxBadCount', 'rxLast', 'brokerQueuedMessageCount', 'connected', 'disconnectCount', 'disconnectTime', 'disconnectLast']) {
    assert.ok(k in s['gather.message']!, k);
  }
  assert.deepEqual(Object.keys(s['post.message']!).sort(), ['txBadCount', 'txByteCount', 'txGoodCount', 'txLast']);
  assert.deepEqual(Object.keys(s.log!).sort(), ['lagMax', 'lagMessageCount', 'lagTotal', 'rejectCount']);
  assert.deepEqual(Object.keys(s.retry!).sort(), ['msgs_in_download_retry', 'msgs_in_post_retry']);
  assert.deepEqual(Object.keys(s.totals!).sort(), [
    'accepted', 'duplicates', 'failed', 'malformed', 'mismatch', 'postFailed', 'posted', 'received', 'rejected',
    'rejectedByReason', 'transferredBytes', 'transferredFiles',
  ]);
  assert.equal(s.instance!.pid, process.pid);
  assert.equal(s.instance!.component, 'subscribe');
  assert.equal(s.instance!.instance, 1);
  assert.equal(s.instance!.queue, 'q_guest.subscribe.x');
  assert.equal(s.instance!.started, 42);
  assert.equal(typeof s.instance!.hostname, 'string');
  assert.ok((s.flow!.cpuTime as number) > 0, 'cpuTime from process.cpuUsage');
});

test('inc/set by section.key; bare names are totals; section names may contain dots', () => {
  const m = new Metrics('/unused');
  m.inc('gather.message.rxGoodCount');
  m.inc('gather.message.rxByteCount', 300);
  m.inc('totals.received', 2);
  m.inc('posted');
  m.set('gather.message.connected', true);
  m.set('myplugin.things', 3);
  const s = m.snapshot();
  assert.equal(s['gather.message']!.rxGoodCount, 1);
  assert.equal(s['gather.message']!.rxByteCount, 300);
  assert.equal(s['gather.message']!.connected, true);
  assert.equal(s.totals!.received, 2);
  assert.equal(s.totals!.posted, 1);
  assert.equal(s.myplugin!.things, 3);
  assert.equal(m.get('totals.received'), 2);
});

test('the instance section can be filled with set() (components do) and keeps the queue name', () => {
  const m = new Metrics('/unused', { now: () => 7 });
  m.set('instance.component', 'sarra');
  m.set('instance.instance', 3);
  m.set('instance.started', 5);
  m.setQueue('q_x');
  const i = m.snapshot().instance!;
  assert.equal(i.component, 'sarra');
  assert.equal(i.instance, 3);
  assert.equal(i.started, 5);
  assert.equal(i.updated, 7);
  assert.equal(i.queue, 'q_x');
  assert.equal(m.get('instance.queue'), 'q_x');
});

test('lag feeds lagMax, lagTotal (seconds) and lagMessageCount', () => {
  const m = new Metrics('/unused');
  m.lag(500);
  m.lag(2500);
  m.lag(-10);
  const log = m.snapshot().log!;
  assert.equal(log.lagMax, 2.5);
  assert.equal(log.lagTotal, 3);
  assert.equal(log.lagMessageCount, 3);
});

test('rejected counts per reason, in log.rejectCount and totals', () => {
  const m = new Metrics('/unused');
  m.rejected('404 no match');
  m.rejected('404 no match');
  m.rejected('422 path ../../x resolves outside /data');
  m.rejected('422 path a/%2e%2e has a dot-dot');
  m.rejected('rejected by plugin foo');
  // codes whose reasons name a size or a file: one key each, not one per file (403's reasons, a few kinds and the
  // signers, stay whole: they tell which refusal it was)
  m.rejected('413 file too big: 12345 bytes > 100');
  m.rejected('413 file too big: 99999 bytes > 100');
  m.rejected('403 unsigned notice');
  m.rejected('415 data not inline: a.txt');
  const s = m.snapshot();
  assert.equal(s.log!.rejectCount, 9);
  assert.equal(s.totals!.rejected, 9);
  assert.deepEqual(s.totals!.rejectedByReason, {
    '404 no match': 2, '422 no destination': 2, 'rejected by plugin foo': 1, '413 too big': 2, '403 unsigned notice': 1, '415 not inline': 1,
  });
});

test('rejectedByReason stays bounded', () => {
  const m = new Metrics('/unused');
  for (let i = 0; i < 200; i++) m.rejected(`custom reason ${i}`);
  const by = m.snapshot().totals!.rejectedByReason as Record<string, number>;
  assert.equal(Object.keys(by).length, 51);
  assert.equal(by.other, 150);
});

test('resetInterval zeroes sr3 counters but keeps gauges, totals and the instance section', () => {
  const m = new Metrics('/unused');
  m.inc('flow.transferRxFiles', 5);
  m.set('flow.transferRxLast', 1234);
  m.set('gather.message.connected', true);
  m.set('retry.msgs_in_download_retry', 7);
  m.lag(1000);
  m.rejected('404 no match');
  m.inc('totals.received', 9);
  m.resetInterval();
  const s = m.snapshot();
  assert.equal(s.flow!.transferRxFiles, 0);
  assert.equal(s.flow!.transferRxLast, 1234);
  assert.equal(s['gather.message']!.connected, true);
  assert.equal(s.retry!.msgs_in_download_retry, 7);
  assert.equal(s.log!.lagMax, 0);
  assert.equal(s.log!.rejectCount, 0);
  assert.equal(s.totals!.received, 9);
  assert.equal(s.totals!.rejected, 1);
});

test('write is atomic JSON, throttled to the interval unless forced, and a skipped write lands later', () =>
  withDir(async (dir) => {
    let now = 1_000_000;
    const file = join(dir, 'sub', 'subscribe_x_01.json');
    const m = new Metrics(file, { now: () => now, writeIntervalMs: 50 });
    m.inc('totals.received');
    await m.write();
    const first = JSON.parse(await readFile(file, 'utf8')) as Record<string, Record<string, unknown>>;
    assert.equal(first.totals!.received, 1);
    m.inc('totals.received');
    await m.write();
    assert.equal((JSON.parse(await readFile(file, 'utf8')) as typeof first).totals!.received, 1, 'throttled');
    now += 60;
    await new Promise((r) => setTimeout(r, 120));
    assert.equal((JSON.parse(await readFile(file, 'utf8')) as typeof first).totals!.received, 2, 'trailing write landed');
    m.inc('totals.received');
    await m.write(true);
    assert.equal((JSON.parse(await readFile(file, 'utf8')) as typeof first).totals!.received, 3, 'forced');
    m.set('flow.stop_requested', true);
    m.inc('totals.received');
    await m.write();
    assert.equal((JSON.parse(await readFile(file, 'utf8')) as typeof first).totals!.received, 4, 'stop makes it immediate');
    assert.deepEqual((await readdir(join(dir, 'sub'))).sort(), ['subscribe_x_01.json'], 'no temporary left behind');
    m.close();
  }));

test('write rejects when the file cannot be written', async () => {
  const m = new Metrics('/dev/null/x.json');
  await assert.rejects(m.write(true));
  m.close();
});

test('MetricsPacer writes the retry queue depth history: a fixed sample, then the current depth overwritten until a minute passes', async () => {
  const { MetricsPacer } = await import('../src/metrics-pacer.js');
  await withDir(async (dir) => {
    const file = join(dir, 'm.json');
    let depth = 2;
    const parts = { metrics: new Metrics(file, { writeIntervalMs: 0 }), gatherer: { name: 'gather.message' }, hooks: [],
      workRetry: { size: () => depth }, poster: { pending: () => 1 } };
    const pacer = new MetricsPacer(parts as never, { warning: () => undefined } as never);
    const history = async (): Promise<[number, number][]> =>
      (JSON.parse(await readFile(file, 'utf8')) as { retry: { depthHistory: [number, number][] } }).retry.depthHistory;
    await pacer.write(true);
    depth = 5;
    await pacer.write(true);
    depth = 9;
    await pacer.write(true);
    const h = await history();
    assert.deepEqual(h.map(([, n]) => n), [3, 10], 'the first sample stays, the current one (9 + 1 post) replaces the last');
    assert.ok(h.every(([t]) => Math.abs(Date.now() - t) < 60_000));
    pacer.stop();
  });
});

test("MetricsPacer: a plugin's section is what its metricsReport returns now (a key it dropped goes); one named like an engine section is refused with one warning", async () => {
  const { MetricsPacer } = await import('../src/metrics-pacer.js');
  await withDir(async (dir) => {
    const file = join(dir, 'm.json');
    let report: Record<string, unknown> = { seen: 1, last: 'a.b' };
    const hooks = [{ name: 'counter.x', metricsReport: () => report }, { name: 'flow', metricsReport: () => ({ cpuTime: -1 }) }];
    const warnings: string[] = [];
    const parts = { metrics: new Metrics(file, { writeIntervalMs: 0 }), gatherer: { name: 'gather.message' }, hooks };
    const pacer = new MetricsPacer(parts as never, { warning: (w: string) => warnings.push(w) } as never);
    const read = async (): Promise<Record<string, Record<string, unknown>>> => JSON.parse(await readFile(file, 'utf8')) as Record<string, Record<string, unknown>>;
    await pacer.write(true);
    assert.deepEqual((await read())['counter.x'], { seen: 1, last: 'a.b' });
    report = { seen: 2, 'dotted.key': 3 };
    await pacer.write(true);
    const f = await read();
    assert.deepEqual(f['counter.x'], { seen: 2, 'dotted.key': 3 }, 'the section replaced: "last" gone, a dotted key kept whole');
    assert.notEqual(f.flow!.cpuTime, -1, 'the engine keeps its flow section');
    assert.deepEqual(warnings, ["plugin flow: its metricsReport is not written (the metrics file's flow section is the engine's)"]);
    pacer.stop();
  });
});
