// Hook loading (callback/flowcb lines -> JS modules), running entry points, and the built-in log hook's lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newParseState, parseText, resolveOptions, Credentials, type Options } from '@sarra/config';
import { ConfigError, Logger } from '@sarra/common';
import type { Notice } from '@sarra/message';
import { builtinName, loadHooks, collectHookMetrics } from '../src/hooks.js';
import { runHook } from '../src/run-hook.js';
import { LogHook } from '../src/loghook.js';
import { newWorklist, type FlowHook, type WorkItem } from '../src/types.js';

function conf(text: string, component = 'subscribe'): Options {
  const st = newParseState(component, 'test', { HOME: '/tmp/nohome' });
  parseText(st, `broker amqp://anonymous@localhost\n${text}\n`, '/tmp/test.conf');
  return resolveOptions(st, Credentials.empty());
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hooks-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A logger writing to a file, and a reader of what it wrote. */
async function fileLogger(dir: string): Promise<{ log: Logger; lines: () => Promise<string[]> }> {
  const file = join(dir, 'log.txt');
  const log = Logger.create('test', { file, level: 'debug' });
  return {
    log,
    lines: async () => {
      await log.close();
      return (await readFile(file, 'utf8')).trim().split('\n').filter((l) => l !== '');
    },
  };
}

const builtin = (name: string): FlowHook => ({ name });

const PLUGIN_CLASS = `export default class Counter {
  constructor(o, logger) { this.name = 'counter'; this.component = o.component; this.logger = logger; this.seen = 0; }
  afterAccept(wl) { this.seen += wl.incoming.length; }
  metricsReport() { return { seen: this.seen }; }
}\n`;
const PLUGIN_OBJECT = `export default { name: 'plain', afterWork(wl) { wl.ok.push(...wl.incoming.splice(0)); } };\n`;

test('builtinName maps sr3 spellings to builtin hook names', () => {
  assert.equal(builtinName('log'), 'log');
  assert.equal(builtinName('sarracenia.flowcb.log.Log'), 'log');
  assert.equal(builtinName('nodupe.disk'), 'nodupe');
  assert.equal(builtinName('sarracenia.flowcb.nodupe.disk.Disk'), 'nodupe');
});

test('loadHooks: prepend, builtins, user callbacks, log last; bare, relative and absolute module names', () =>
  withDir(async (dir) => {
    const plugins = join(dir, 'plugins');
    await mkdir(join(plugins, 'acc'), { recursive: true });
    await writeFile(join(plugins, 'counter.mjs'), PLUGIN_CLASS);
    await writeFile(join(plugins, 'acc', 'plain.mjs'), PLUGIN_OBJECT);
    await writeFile(join(dir, 'abs.mjs'), PLUGIN_OBJECT.replace("'plain'", "'abs'"));
    const o = conf(`callback_prepend counter\ncallback acc.plain\ncallback ${join(dir, 'abs.mjs')}\ncallback ./acc/plain.mjs`);
    const hooks = await loadHooks(o, [builtin('nodupe'), builtin('log'), builtin('retry')], { pluginDir: plugins });
    assert.deepEqual(hooks.map((h) => h.name), ['counter', 'nodupe', 'retry', 'plain', 'abs', 'plain', 'log']);
    const counter = hooks[0] as FlowHook & { component: string };
    assert.equal(counter.component, 'subscribe', 'constructed with the options');
  }));

test('a callback naming a builtin selects it instead of loading a module', () =>
  withDir(async (dir) => {
    const o = conf('callback sarracenia.flowcb.nodupe.disk\ncallback log');
    const hooks = await loadHooks(o, [builtin('retry'), builtin('nodupe'), builtin('log')], { pluginDir: dir });
    assert.deepEqual(hooks.map((h) => h.name), ['retry', 'nodupe', 'log']);
  }));

test('sr3 built-ins provided natively load nothing', () =>
  withDir(async (dir) => {
    const o = conf('callback gather.message\ncallback sarracenia.flowcb.retry.Retry\nflowcb sarracenia.flowcb.nodupe.name.Name');
    const hooks = await loadHooks(o, [builtin('log')], { pluginDir: dir });
    assert.deepEqual(hooks.map((h) => h.name), ['log']);
  }));

test('a missing module is a ConfigError naming it', () =>
  withDir(async (dir) => {
    const o = conf('callback accept.tolocalfile');
    await assert.rejects(loadHooks(o, [], { pluginDir: dir }), (e: unknown) => e instanceof ConfigError && /accept\.tolocalfile/.test(e.message));
  }));

test('a Python sr3 plugin is named as such', () =>
  withDir(async (dir) => {
    await mkdir(join(dir, 'accept'), { recursive: true });
    await writeFile(join(dir, 'accept', 'mine.py'), 'class Mine: pass\n');
    await assert.rejects(loadHooks(conf('callback accept.mine'), [], { pluginDir: dir }), (e: unknown) => e instanceof ConfigError && /Python/.test(e.message));
  }));

test('a module without a hook default export, or one that throws on load, is a ConfigError', () =>
  withDir(async (dir) => {
    await writeFile(join(dir, 'noexport.mjs'), 'export const x = 1;\n');
    await writeFile(join(dir, 'boom.mjs'), 'throw new Error("kaboom");\n');
    await assert.rejects(loadHooks(conf('callback noexport'), [], { pluginDir: dir }), (e: unknown) => e instanceof ConfigError && /noexport/.test(e.message));
    await assert.rejects(loadHooks(conf('callback boom'), [], { pluginDir: dir }), (e: unknown) => e instanceof ConfigError && /kaboom/.test(e.message));
  }));

test('runHook (the engine\'s) calls each hook in order, logs and swallows exceptions', () =>
  withDir(async (dir) => {
    const { log, lines } = await fileLogger(dir);
    const calls: string[] = [];
    const hooks: FlowHook[] = [
      { name: 'a', afterAccept: () => { calls.push('a'); } },
      { name: 'bad', afterAccept: () => { throw new Error('plugin bug'); } },
      { name: 'none' },
      { name: 'c', afterAccept: async () => { await new Promise((r) => setTimeout(r, 5)); calls.push('c'); } },
      { name: 'badAsync', onStop: async () => { throw new Error('late bug'); } },
    ];
    const wl = newWorklist();
    for (const h of hooks) if (h.afterAccept) await runHook(log, h, 'afterAccept', () => h.afterAccept!(wl));
    for (const h of hooks) if (h.onStop) await runHook(log, h, 'onStop', () => h.onStop!());
    assert.deepEqual(calls, ['a', 'c']);
    const text = (await lines()).join('\n');
    assert.match(text, /bad\.afterAccept failed: plugin bug/);
    assert.match(text, /badAsync\.onStop failed: late bug/);
  }));

test('collectHookMetrics gathers metricsReport by hook name', () => {
  const m = collectHookMetrics([{ name: 'x', metricsReport: () => ({ n: 1 }) }, { name: 'y' }], Logger.silent());
  assert.deepEqual(m, { x: { n: 1 } });
});

function item(relPath: string, extra: Partial<WorkItem> = {}, n: Partial<Notice> = {}): WorkItem {
  return { notice: { pubTime: '20240129T174356.000', baseUrl: 'https://hpfx.collab.science.gc.ca', relPath, ...n }, ...extra };
}

test('log hook: accepted with lag, rejected once with code and reason, downloaded, published', () =>
  withDir(async (dir) => {
    const { log, lines } = await fileLogger(dir);
    const o = conf('download on\npost_broker amqp://tsource@localhost\npost_exchange xflow_public\npost_topicPrefix v03', 'sarra');
    const pub = Date.UTC(2024, 0, 29, 17, 43, 56);
    const hook = new LogHook(o, log, { now: () => pub + 530 });
    const ok = item('/20240129/WXO-DD/a.txt', { newDir: '/data/20240129/WXO-DD', newFile: 'a.txt', newRelPath: '20240129/WXO-DD/a.txt' });
    const rej = item('/20240129/WXO-DD/reject/b.txt', { reportCode: 404, reportMessage: 'no match' });
    const dup = item('/c.txt', { reportCode: 304, reportMessage: 'duplicate' });
    const wl = newWorklist([ok]);
    wl.rejected.push(rej, dup);
    hook.afterAccept(wl);
    wl.ok.push(...wl.incoming.splice(0));
    hook.afterWork(wl);
    hook.afterPost(wl);
    hook.onHousekeeping();
    const text = await lines();
    const msgs = text.map((l) => l.replace(/^.*? test /, ''));
    assert.deepEqual(msgs.slice(0, 4), [
      'accepted: (lag: 0.53) https://hpfx.collab.science.gc.ca/20240129/WXO-DD/a.txt',
      'rejected: 404 no match https://hpfx.collab.science.gc.ca/20240129/WXO-DD/reject/b.txt',
      'downloaded to: /data/20240129/WXO-DD/a.txt',
      'published: xflow_public v03.20240129.WXO-DD 20240129/WXO-DD/a.txt',
    ]);
    assert.match(msgs[4]!, /^housekeeping: accepted 1, rejected 1, .*lag average 0\.53 s, maximum 0\.53 s$/);
    assert.equal(msgs.length, 5, 'the rejection is logged once, the duplicate not at all');
  }));

test('log hook of a flow that posts nothing (subscribe without post_broker): no "published:", posted 0', () =>
  withDir(async (dir) => {
    const { log, lines } = await fileLogger(dir);
    for (const hook of [new LogHook(conf('download on'), log), new LogHook(conf('download on', 'shovel'), log, { posts: false })]) {
      const wl = newWorklist([item('/a.txt', { newDir: '/data', newFile: 'a.txt' })]);
      hook.afterAccept(wl);
      wl.ok.push(...wl.incoming.splice(0));
      hook.afterWork(wl);
      hook.afterPost(wl);
      hook.onHousekeeping();
    }
    const text = await lines();
    assert.deepEqual(text.filter((l) => l.includes('published:')), [], text.join('\n'));
    const hk = text.filter((l) => l.includes('housekeeping:'));
    assert.equal(hk.length, 2);
    for (const l of hk) assert.match(l, /worked 1, failed 0, posted 0;/);
  }));

test('log hook follows logEvents: nothing per message when they are removed', () =>
  withDir(async (dir) => {
    const { log, lines } = await fileLogger(dir);
    const o = conf('logEvents on_housekeeping', 'sarra');
    const hook = new LogHook(o, log);
    const wl = newWorklist([item('/a')]);
    hook.afterAccept(wl);
    wl.ok.push(...wl.incoming.splice(0));
    hook.afterWork(wl);
    hook.afterPost(wl);
    const text = await lines();
    assert.deepEqual(text, []);
  }));

test('log hook at logLevel warning formats no per-message line (the notices are not even read)', () =>
  withDir(async (dir) => {
    const file = join(dir, 'log.txt');
    const log = Logger.create('test', { file, level: 'warning' });
    const hook = new LogHook(conf('', 'sarra'), log);
    let reads = 0;
    const it = item('/a/b.txt');
    const notice = it.notice;
    it.notice = new Proxy(notice, { get: (t, k) => { if (k === 'relPath' || k === 'baseUrl') reads++; return Reflect.get(t, k); } });
    const wl = newWorklist([it]);
    hook.afterAccept(wl);
    wl.ok.push(...wl.incoming.splice(0));
    hook.afterWork(wl);
    hook.afterPost(wl);
    await log.close();
    assert.equal(reads, 0, 'relPath/baseUrl read to format lines nobody writes');
    assert.equal(await readFile(file, 'utf8').catch(() => ''), '');
  }));

test('when a plugin fails to load, the ones built before it are stopped (what their constructors opened is closed)', () =>
  withDir(async (dir) => {
    const marker = join(dir, 'stopped');
    await writeFile(join(dir, 'timer.mjs'), `import { writeFileSync } from 'node:fs';
export default class Timer { name = 'timer'; constructor() { this.t = setInterval(() => {}, 1000); }
  onStop() { clearInterval(this.t); writeFileSync(${JSON.stringify(marker)}, 'stopped'); } }\n`);
    await writeFile(join(dir, 'broken.mjs'), `export default class Broken { constructor() { throw new Error('no token'); } }\n`);
    await assert.rejects(loadHooks(conf('callback timer\ncallback broken'), [], { pluginDir: dir }), (e: unknown) => e instanceof ConfigError && /broken/.test(e.message));
    assert.equal(await readFile(marker, 'utf8'), 'stopped');
  }));
