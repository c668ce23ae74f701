// The entry points a plugin has, called by a running flow in sr3's order; a plugin that throws is logged and the
// flow goes on; what metricsReport returns is in the metrics file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@sarra/common';
import type { Options } from '@sarra/config';
import { Flow, Metrics, type FlowHook, type Gatherer, type PostSink, type WorkItem, type Worklist } from '@sarra/flow';
import { item } from './helpers.js';

function opts(over: Partial<Options> = {}): Options {
  return {
    component: 'subscribe', config: 't', batch: 10, attempts: 2, housekeeping: 300, sleep: 0.01,
    messageCountMax: 0, messageAgeMax: 0, logEvents: new Set<string>(), ...over,
  } as unknown as Options;
}

/** A finite source whose acks are counted by relPath. */
function source(names: string[]): Gatherer & { acks: Map<string, number> } {
  const acks = new Map<string, number>();
  const items: WorkItem[] = names.map((n) => ({ ...item(n), ack: () => acks.set(n, (acks.get(n) ?? 0) + 1) }));
  return {
    name: 'test', acks,
    start: async () => {}, stop: async () => {},
    gather: async (max: number) => items.splice(0, max),
    done: () => items.length === 0,
  };
}

function poster(): PostSink & { posted: string[] } {
  const posted: string[] = [];
  return {
    posted, start: async () => {}, retry: async () => {}, pending: () => 0, housekeeping: async () => {}, close: async () => {},
    post: async (items: WorkItem[]) => { posted.push(...items.map((i) => i.notice.relPath)); },
  };
}

/** A plugin recording each call as `entry` or `entry:relPaths`. */
function recorder(calls: string[], over: Partial<FlowHook> = {}): FlowHook {
  const names = (l: WorkItem[]): string => l.map((i) => i.notice.relPath).join(',');
  return {
    name: 'rec',
    onStart: () => { calls.push('onStart'); },
    afterAccept: (wl: Worklist) => { calls.push(`afterAccept:${names(wl.incoming)}`); },
    download: async (it: WorkItem) => { calls.push(`download:${it.notice.relPath}`); return true; },
    afterWork: (wl: Worklist) => { calls.push(`afterWork:${names(wl.ok)}`); },
    afterPost: (wl: Worklist) => { calls.push(`afterPost:${names(wl.ok)}`); },
    onStop: () => { calls.push('onStop'); },
    ...over,
  };
}

async function withTmp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sarra-entry-'));
  try { await fn(dir); } finally { await rm(dir, { recursive: true, force: true }); }
}

test('entry points run in sr3 order: onStart, afterAccept, download (the override), afterWork, post, afterPost, onStop', async () => {
  const calls: string[] = [];
  const g = source(['a', 'b']);
  const p = poster();
  await new Flow(opts(), { gatherer: g, work: 'download', hooks: [recorder(calls)], logger: Logger.silent(), instance: 1, poster: p,
    accept: () => ({ accepted: true }) }).run(AbortSignal.timeout(5000));
  assert.deepEqual(calls, ['onStart', 'afterAccept:a,b', 'download:a', 'download:b', 'afterWork:a,b', 'afterPost:a,b', 'onStop']);
  assert.deepEqual(p.posted, ['a', 'b']);
  assert.deepEqual([...g.acks.values()], [1, 1]);
});

test('plugins run in load order; one that throws in every entry point is logged, counted, and the flow goes on', () =>
  withTmp(async (dir) => {
    const file = join(dir, 'log.txt');
    const log = Logger.create('t', { file, level: 'debug' });
    const boom = (): never => { throw new Error('plugin bug'); };
    const thrower: FlowHook = { name: 'thrower', onStart: boom, afterAccept: boom, afterWork: boom, afterPost: boom, onStop: boom };
    const calls: string[] = [];
    const g = source(['x']);
    const p = poster();
    const metrics = new Metrics(join(dir, 'm.json'));
    await new Flow(opts(), { gatherer: g, work: 'none', hooks: [thrower, recorder(calls, { download: undefined })], logger: log, instance: 1,
      poster: p, metrics, accept: () => ({ accepted: true }) }).run(AbortSignal.timeout(5000));
    await log.close();
    const written = JSON.parse(await readFile(join(dir, 'm.json'), 'utf8')) as { totals: Record<string, unknown> };
    assert.equal(written.totals.pluginErrors, 5, 'each failure counted in the metrics file');
    assert.deepEqual(calls, ['onStart', 'afterAccept:x', 'afterWork:x', 'afterPost:x', 'onStop']);
    assert.deepEqual(p.posted, ['x']);
    assert.equal(g.acks.get('x'), 1);
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l.includes('thrower.'));
    for (const e of ['onStart', 'afterAccept', 'afterWork', 'afterPost', 'onStop']) {
      assert.ok(lines.some((l) => l.includes(`thrower.${e} failed: plugin bug`)), `${e} logged`);
    }
  }));

test('download overrides: the first resolving true did it; all declining is a permanent failure (499), acked', async () => {
  const calls: string[] = [];
  const decline: FlowHook = { name: 'decline', download: async (it) => { calls.push(`decline:${it.notice.relPath}`); return false; } };
  const g = source(['k', 'n']);
  const p = poster();
  const taker: FlowHook = { name: 'taker', download: async (it) => it.notice.relPath === 'k' };
  await new Flow(opts(), { gatherer: g, work: 'download', hooks: [decline, taker], logger: Logger.silent(), instance: 1, poster: p,
    accept: () => ({ accepted: true }) }).run(AbortSignal.timeout(5000));
  assert.deepEqual(calls, ['decline:k', 'decline:n']);
  assert.deepEqual(p.posted, ['k']);
  assert.deepEqual([g.acks.get('k'), g.acks.get('n')], [1, 1]);
});

test("metricsReport: what a plugin returns is in the instance's metrics file under its name; one that throws is logged", () =>
  withTmp(async (dir) => {
    const metrics = new Metrics(join(dir, 'm.json'));
    const g = source(['a', 'b', 'c']);
    let seen = 0;
    const counter: FlowHook = { name: 'counter', afterAccept: (wl) => { seen += wl.incoming.length; }, metricsReport: () => ({ seen }) };
    const broken: FlowHook = { name: 'broken', metricsReport: () => { throw new Error('no'); } };
    await new Flow(opts(), { gatherer: g, work: 'none', hooks: [counter, broken], logger: Logger.silent(), instance: 1, metrics,
      accept: () => ({ accepted: true }) }).run(AbortSignal.timeout(5000));
    const file = JSON.parse(await readFile(join(dir, 'm.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(file.counter, { seen: 3 });
    assert.equal(file.broken, undefined);
  }));

test('gather: a plugin brings notices after the source, checked as received ones; pleaseStop before onStop', () =>
  withTmp(async (dir) => {
    const file = join(dir, 'log.txt');
    const log = Logger.create('t', { file, level: 'debug' });
    const calls: string[] = [];
    let rounds = 0;
    const feeder: FlowHook = {
      name: 'feeder',
      gather: (max: number) => {
        calls.push(`gather:${max}`);
        if (rounds++ > 0) return [];
        return [{ pubTime: '20261203T150000', baseUrl: 'http://api/', relPath: 'p1' }, { baseUrl: 'http://api/', relPath: 'bad1' }, 'junk'];
      },
      pleaseStop: () => { calls.push('pleaseStop'); },
      onStop: () => { calls.push('onStop'); },
    };
    const metrics = new Metrics(join(dir, 'm.json'));
    const g = source(['s1']);
    const p = poster();
    const ctl = new AbortController();
    const { withPluginGather } = await import('@sarra/flow');
    const gatherer = withPluginGather(g, [feeder], log, metrics);
    setTimeout(() => ctl.abort(), 300);
    await new Flow(opts({ batch: 5 }), { gatherer, work: 'none', hooks: [feeder], logger: log, instance: 1, poster: p, metrics,
      accept: () => ({ accepted: true }) }).run(ctl.signal);
    await log.close();
    assert.deepEqual(p.posted, ['s1', 'p1']);
    assert.equal(calls[0], 'gather:4', 'asked for the room the source left');
    assert.deepEqual(calls.slice(-2), ['pleaseStop', 'onStop']);
    const written = JSON.parse(await readFile(join(dir, 'm.json'), 'utf8')) as { totals: Record<string, unknown> };
    assert.equal(written.totals.malformed, 2);
    const text = await readFile(file, 'utf8');
    assert.match(text, /feeder\.gather: malformed notice bad1: .*pubTime/);
    assert.match(text, /feeder\.gather: malformed notice: not an object/);
  }));
