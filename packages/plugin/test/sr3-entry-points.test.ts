// sr3's post, ack, destfn and onDeclare entry points in a running flow: their order against the built-in post and the
// acks, what each is given, and a plugin that throws (logged, counted in totals.pluginErrors, the flow goes on).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger, PermanentError, TransientError } from '@sarra/common';
import type { Options } from '@sarra/config';
import { defaultAccept, destfnOf, Flow, Metrics, NoDupe, type FlowHook, type Gatherer, type PostSink, type RetryQueue, type WorkItem } from '@sarra/flow';
import type { Notice, Plugin } from '@sarra/plugin';
import { item, load } from './helpers.js';

/** The entry points are typed on the public package's Plugin (this file does not compile if one is not). */
const typed: Plugin = {
  name: 'typed',
  post: async (wl) => { wl.ok.slice(); },
  ack: (items) => { items.slice(); },
  destfn: (it) => it.newFile,
  poll: (): Notice[] => [],
  onSanity: () => {}, onDeclare: async () => {}, onCleanup: () => {},
};

function opts(): Options {
  return {
    component: 'subscribe', config: 't', batch: 10, attempts: 2, housekeeping: 300, sleep: 0.01,
    messageCountMax: 0, messageAgeMax: 0, logEvents: new Set<string>(),
  } as unknown as Options;
}

const names = (l: WorkItem[]): string => l.map((i) => i.notice.relPath).join(',');

/** A finite source whose acks are counted by relPath; `calls` gets `start` when it starts (the queue is declared then). */
function source(rels: string[], calls: string[] = []): Gatherer & { acks: Map<string, number> } {
  const acks = new Map<string, number>();
  const items: WorkItem[] = rels.map((n) => ({ ...item(n), ack: () => acks.set(n, (acks.get(n) ?? 0) + 1) }));
  return {
    name: 'test', acks,
    start: async () => { calls.push('gatherer.start'); }, stop: async () => {},
    gather: async (max: number) => items.splice(0, max),
    done: () => items.length === 0,
  };
}

function poster(calls: string[]): PostSink {
  return {
    start: async () => { calls.push('poster.start'); }, retry: async () => {}, pending: () => 0, housekeeping: async () => {}, close: async () => {},
    post: async (items: WorkItem[]) => { calls.push(`built-in post:${names(items)}`); },
  };
}

/** A retry queue in memory. */
function memQueue(): RetryQueue & { items: WorkItem[] } {
  const items: WorkItem[] = [];
  return {
    items, open: async () => {}, put: async (l) => { items.push(...l); }, get: async () => [], size: () => 0,
    housekeeping: async () => {}, close: async () => {},
  };
}

async function withTmp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sarra-sr3-entry-'));
  try { await fn(dir); } finally { await rm(dir, { recursive: true, force: true }); }
}

test('the sr3 entry points are part of the Plugin type of @sarra/plugin', () => {
  assert.deepEqual(Object.keys(typed).sort(), ['ack', 'destfn', 'name', 'onCleanup', 'onDeclare', 'onSanity', 'poll', 'post']);
});

test('onDeclare once the poster and the queue are started; post after the built-in post and before the acks; ack after them; afterPost last', async () => {
  const calls: string[] = [];
  const g = source(['a', 'b', 'r'], calls);
  const hook: FlowHook = {
    name: 'rec',
    onStart: () => { calls.push('onStart'); },
    onDeclare: () => { calls.push('onDeclare'); },
    post: (wl) => { calls.push(`post:${names(wl.ok)} acked:${names(wl.ok.filter((i) => g.acks.has(i.notice.relPath)))}`); },
    ack: (items) => { calls.push(`ack:${names(items)} acked:${names(items.filter((i) => g.acks.get(i.notice.relPath) === 1))}`); },
    afterPost: (wl) => { calls.push(`afterPost:${names(wl.ok)}`); },
  };
  await new Flow(opts(), {
    gatherer: g, work: 'none', hooks: [hook], logger: Logger.silent(), instance: 1, poster: poster(calls),
    accept: (it) => (it.notice.relPath === 'r' ? { accepted: false, code: 404, reason: 'no match' } : { accepted: true }),
  }).run(AbortSignal.timeout(5000));
  assert.deepEqual(calls, [
    'poster.start', 'onStart', 'gatherer.start', 'onDeclare',
    'ack:r acked:r',
    'built-in post:a,b', 'post:a,b acked:', 'ack:a,b acked:a,b', 'afterPost:a,b',
  ]);
  assert.deepEqual([...g.acks.values()], [1, 1, 1], 'each acked once');
});

test('a post plugin that fails an item sends it to the retry queue, acked once there; one it rejects is acked, not posted on by that plugin (the built-in post did publish it)', async () => {
  const calls: string[] = [];
  const g = source(['ok', 'later', 'never']);
  const q = memQueue();
  const acked: string[] = [];
  const hook: FlowHook = {
    name: 'elsewhere',
    post: (wl) => {
      for (const it of [...wl.ok]) {
        if (it.notice.relPath === 'later') wl.outcome.fail(it, new TransientError('the other broker is down'));
        if (it.notice.relPath === 'never') wl.outcome.reject(it, 403, 'not for the other broker');
      }
    },
    ack: (items) => { acked.push(...items.map((i) => i.notice.relPath)); },
    afterPost: (wl) => { calls.push(`afterPost:${names(wl.ok)}`); },
  };
  await new Flow(opts(), { gatherer: g, work: 'none', hooks: [hook], logger: Logger.silent(), instance: 1, poster: poster(calls), workRetry: q,
    accept: () => ({ accepted: true }) }).run(AbortSignal.timeout(5000));
  assert.deepEqual(names(q.items), 'later');
  assert.deepEqual([...g.acks.entries()].sort(), [['later', 1], ['never', 1], ['ok', 1]]);
  assert.deepEqual(acked.sort(), ['later', 'never', 'ok']);
  assert.deepEqual(calls, ['poster.start', 'built-in post:ok,later,never', 'afterPost:ok']);
});

test('a post plugin is given only what the built-in post published: a lost notice is neither posted on nor acked', async () => {
  const seen: string[] = [];
  const g = source(['a', 'lost']);
  const p: PostSink = { ...poster([]), post: async (items) => items.filter((i) => i.notice.relPath === 'lost') };
  const hook: FlowHook = { name: 'elsewhere', post: (wl) => { seen.push(names(wl.ok)); } };
  await new Flow(opts(), { gatherer: g, work: 'none', hooks: [hook], logger: Logger.silent(), instance: 1, poster: p,
    accept: () => ({ accepted: true }) }).run(AbortSignal.timeout(5000));
  assert.deepEqual(seen, ['a']);
  assert.deepEqual([...g.acks.keys()], ['a'], 'the lost notice is left unacked (redelivered)');
  const g2 = source(['b']);
  const down: PostSink = { ...poster([]), post: async () => { throw new Error('broker gone'); } };
  await new Flow(opts(), { gatherer: g2, work: 'none', hooks: [hook], logger: Logger.silent(), instance: 1, poster: down,
    accept: () => ({ accepted: true }) }).run(AbortSignal.timeout(5000));
  assert.deepEqual(seen, ['a'], 'nothing published: the plugin post is not called');
  assert.equal(g2.acks.size, 0);
});

test('an item a post plugin rejects or fails for good after the built-in post announced it keeps its duplicate claim', async () => {
  await withTmp(async (dir) => {
  const o = { ...opts(), nodupe_ttl: 300 } as Options;
  const nodupe = new NoDupe(o, join(dir, 'nodupe.cache'));
  const hook: FlowHook = {
    name: 'elsewhere',
    post: (wl) => {
      for (const it of [...wl.ok]) {
        if (it.notice.relPath === 'never') wl.outcome.reject(it, 403, 'not for the other broker');
        if (it.notice.relPath === 'bad') wl.outcome.fail(it, new PermanentError('refused there', { reportCode: 403 }));
      }
    },
  };
  const g = source(['ok', 'never', 'bad']);
  await new Flow(o, { gatherer: g, work: 'none', hooks: [hook], logger: Logger.silent(), instance: 1, poster: poster([]), nodupe,
    accept: () => ({ accepted: true }) }).run(AbortSignal.timeout(5000));
  assert.deepEqual([...g.acks.keys()].sort(), ['bad', 'never', 'ok']);
  for (const rel of ['ok', 'never', 'bad']) assert.ok(nodupe.isDuplicate(item(rel)), `a second copy of ${rel} is not worked and announced again`);
  });
});

test('post and ack that throw are logged and counted in totals.pluginErrors; the items are posted and acked all the same', () =>
  withTmp(async (dir) => {
    const file = join(dir, 'log.txt');
    const log = Logger.create('t', { file, level: 'debug' });
    const boom = (): never => { throw new Error('plugin bug'); };
    const metrics = new Metrics(join(dir, 'm.json'));
    const calls: string[] = [];
    const g = source(['x']);
    const after: FlowHook = { name: 'after', post: (wl) => { calls.push(`post:${names(wl.ok)}`); }, ack: (l) => { calls.push(`ack:${names(l)}`); } };
    await new Flow(opts(), { gatherer: g, work: 'none', hooks: [{ name: 'thrower', post: boom, ack: boom }, after], logger: log, instance: 1,
      poster: poster(calls), metrics, accept: () => ({ accepted: true }) }).run(AbortSignal.timeout(5000));
    await log.close();
    const written = JSON.parse(await readFile(join(dir, 'm.json'), 'utf8')) as { totals: Record<string, unknown> };
    assert.equal(written.totals.pluginErrors, 2);
    assert.deepEqual(calls, ['poster.start', 'built-in post:x', 'post:x', 'ack:x'], 'the next plugin still called');
    assert.equal(g.acks.get('x'), 1);
    const text = await readFile(file, 'utf8');
    assert.match(text, /thrower\.post failed: plugin bug/);
    assert.match(text, /thrower\.ack failed: plugin bug/);
  }));

const NAMER = `export default class Namer {
  name = 'namer';
  destfn(it) { return 'NAMED_' + it.newFile; }
}
`;
const UPPER = `export default { name: 'upper', destfn(it) { return it.notice.relPath.endsWith('.bad') ? '../escape' : it.newFile.toUpperCase(); } };\n`;
const BROKEN = `export default { name: 'broken', destfn(it) { if (it.notice.relPath.includes('boom')) throw new Error('cannot name'); } };\n`;

test('destfn: DESTFNSCRIPT=<callback> names the file of its accept line only; a callback plugin names every other; a bad name is 422', async () => {
  const l = await load([
    'directory /data', 'callback upper', 'callback broken', 'accept .*grib DESTFNSCRIPT=namer', 'accept .*', '',
  ].join('\n'), { 'namer.mjs': NAMER, 'upper.mjs': UPPER, 'broken.mjs': BROKEN });
  try {
    assert.deepEqual(l.hooks.map((h) => h.name), ['upper', 'broken', 'namer'], 'the DESTFNSCRIPT module loaded after the callback lines');
    const metrics = { counts: new Map<string, number>(), inc(n: string) { this.counts.set(n, (this.counts.get(n) ?? 0) + 1); } };
    const log = Logger.silent();
    const accept = defaultAccept(l.o, { destfn: destfnOf(l.o, l.hooks, log, metrics as never) });
    const place = (rel: string): string => {
      const it = item(rel);
      const v = accept(it, Date.now());
      return v.accepted ? `${it.newDir}/${it.newFile}` : `${v.code} ${v.reason}`;
    };
    assert.equal(place('a/f.grib'), '/data/NAMED_f.grib', 'only namer: upper and broken are not asked for this line');
    assert.equal(place('a/f.txt'), '/data/F.TXT', 'the callback plugins name the others');
    assert.match(place('a/f.bad'), /^422 upper\.destfn returned "\.\.\/escape": not a file name/);
    assert.equal(place('a/boom.txt'), '/data/BOOM.TXT', 'a destfn that throws keeps the name so far');
    assert.equal(metrics.counts.get('totals.pluginErrors'), 1);
  } finally {
    await l.home.cleanup();
  }
});

test('a destfn that returns a Promise keeps the name, is logged and counted; its rejection does not end the process', async () => {
  const errors: string[] = [];
  const log = { error: (m: string) => { errors.push(m); } } as unknown as Logger;
  const metrics = { counts: new Map<string, number>(), inc(n: string) { this.counts.set(n, (this.counts.get(n) ?? 0) + 1); } };
  const hook: FlowHook = { name: 'late', destfn: (async () => { await Promise.resolve(); throw new Error('no name'); }) as never };
  const fn = destfnOf({ filename: undefined, masks: [] } as unknown as Options, [hook], log, metrics as never);
  assert.equal(fn?.(item('a/f.txt'), undefined, 'f.txt'), 'f.txt');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(errors, ['late.destfn must be synchronous (returned a Promise): the name is kept']);
  assert.equal(metrics.counts.get('totals.pluginErrors'), 1);
});
