// withPluginGather: plugins' gather entry points after the component's source, their notices checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger } from '@sarra/common';
import { withPluginGather } from '../src/plugin-gather.js';
import type { FlowHook, Gatherer, WorkItem } from '../src/types.js';

const n = (relPath: string): Record<string, unknown> => ({ pubTime: '20261203T150000', baseUrl: 'http://x/', relPath });

function src(items: WorkItem[], extra: Partial<Gatherer & { nextWakeMs(): number }> = {}): Gatherer {
  return { name: 'src', start: async () => {}, stop: async () => {}, gather: async (max) => items.splice(0, max), ...extra };
}

function counting(): { inc(name: string): void; counts: Record<string, number> } & Record<string, unknown> {
  const counts: Record<string, number> = {};
  return { counts, inc: (name: string) => { counts[name] = (counts[name] ?? 0) + 1; }, set: () => {}, lag: () => {}, rejected: () => {}, write: async () => {} };
}

test('without a plugin gather the source itself is used', () => {
  const s = src([]);
  assert.equal(withPluginGather(s, [{ name: 'h' }], Logger.silent()), s);
});

test('the room left is offered to each plugin in turn; notices past it are kept for the next pass, non-lists ignored with a log line', async () => {
  const lines: string[] = [];
  const log = Logger.silent();
  log.error = (m: string) => { lines.push(`error ${m}`); };
  log.info = (m: string) => { lines.push(`info ${m}`); };
  const asked: string[] = [];
  const hooks: FlowHook[] = [
    { name: 'many', gather: (max) => { asked.push(`many:${max}`); return [n('m1'), n('m2'), n('m3')]; } },
    { name: 'odd', gather: () => { asked.push('odd'); return 'nope' as unknown as unknown[]; } },
  ];
  const metrics = counting();
  const g = withPluginGather(src([{ notice: n('s1') as never }], { nextWakeMs: () => 42, done: () => false, isConnected: () => true, metrics: () => ({ a: 1 }) }),
    hooks, log, metrics as never);
  const got = await g.gather(3, new AbortController().signal);
  assert.deepEqual(got.map((i) => i.notice.relPath), ['s1', 'm1', 'm2']);
  assert.deepEqual(asked, ['many:2']);
  assert.ok(lines.some((l) => l === 'info many.gather returned 3 notices for 2 asked: 1 kept for the next pass'));
  // the kept m3 comes first, then the plugin is asked for the room left; odd is asked only when room remains
  const again = await g.gather(4, new AbortController().signal);
  assert.deepEqual(again.map((i) => i.notice.relPath), ['m3', 'm1', 'm2', 'm3']);
  assert.deepEqual(asked.slice(-1), ['many:3']);
  const third = await g.gather(1, new AbortController().signal);
  assert.deepEqual(third.map((i) => i.notice.relPath), ['m1']);
  assert.deepEqual(asked.slice(-1), ['many:1']);
  const fourth = await g.gather(10, new AbortController().signal);
  assert.deepEqual(fourth.map((i) => i.notice.relPath), ['m2', 'm3', 'm1', 'm2', 'm3'], 'the 2 kept come before a new ask');
  assert.deepEqual(asked.slice(-2), ['many:8', 'odd']);
  assert.ok(lines.includes('error odd.gather returned string, not a list of notices: ignored'));
  assert.equal((g as { nextWakeMs(): number }).nextWakeMs(), 42);
  assert.equal(g.done!(), false);
  assert.equal(g.isConnected!(), true);
  assert.deepEqual(g.metrics!(), { a: 1 });
});

test('a gather that throws is logged and counted; the source items still come', async () => {
  const metrics = counting();
  const g = withPluginGather(src([{ notice: n('s') as never }]), [{ name: 'boom', gather: () => { throw new Error('down'); } }], Logger.silent(), metrics as never);
  assert.deepEqual((await g.gather(5, new AbortController().signal)).map((i) => i.notice.relPath), ['s']);
  assert.equal(metrics.counts['totals.pluginErrors'], 1);
  await g.start();
  await g.stop();
});

test('with enabled() false (a passive vip instance) no plugin is asked; the source still is', async () => {
  let on = false, asked = 0;
  const g = withPluginGather(src([{ notice: n('s1') as never }, { notice: n('s2') as never }]), [{ name: 'p', gather: () => { asked++; return [n('p1')]; } }], Logger.silent(), undefined, () => on);
  assert.deepEqual((await g.gather(1, new AbortController().signal)).map((i) => i.notice.relPath), ['s1']);
  assert.equal(asked, 0);
  on = true;
  assert.deepEqual((await g.gather(5, new AbortController().signal)).map((i) => i.notice.relPath), ['s2', 'p1']);
  assert.equal(asked, 1);
});

test("a plugin's notice is taken in as a received one: sr3's old field names integrity and retPath become identity and retrievePath", async () => {
  const identity = { method: 'sha512', value: 'z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==' };
  const metrics = counting();
  const g = withPluginGather(src([]), [{ name: 'old', gather: () => [{ ...n('o1'), integrity: identity, retPath: 'get/o1' }, { ...n('o2'), integrity: 'x' }] }],
    Logger.silent(), metrics as never);
  const got = await g.gather(5, new AbortController().signal);
  assert.deepEqual(got.map((i) => i.notice), [{ ...n('o1'), identity, retrievePath: 'get/o1' }]);
  assert.equal(metrics.counts['totals.malformed'], 1, 'an old-named field is checked under its new name');
});
