// sr3's `poll` entry point: a plugin's poll() replaces the built-in listing of pollUrl; what it returns is checked as
// received notices and announced once per new or changed file, as a listing is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@sarra/common';
import type { FlowHook, FlowMetrics } from '@sarra/flow';
import { parseSchedule } from '../src/producers/schedule.js';
import { SeenCache } from '../src/producers/listing.js';
import { Poller } from '../src/producers/poller.js';

const T0 = Date.UTC(2026, 10, 22, 10, 17, 30);

function counts(): FlowMetrics & { n: Map<string, number> } {
  const n = new Map<string, number>();
  return {
    n, inc: (k: string, by = 1) => { n.set(k, (n.get(k) ?? 0) + by); }, set: () => {}, lag: () => {}, rejected: () => {}, write: async () => {},
  };
}

test("a plugin's poll lists instead of pollUrl: its notices announced once each, a malformed one and a thrower logged and counted", async () => {
  const d = await mkdtemp(join(tmpdir(), 'poll-plugin-'));
  try {
    const file = join(d, 'log.txt');
    const logger = Logger.create('t', { file, level: 'debug' });
    let now = T0;
    let listing: unknown[] = [
      { pubTime: '20261122T101700', baseUrl: 'https://api.example.com/', relPath: 'obs/a.json', size: 10, mtime: '20261122T101000' },
      { baseUrl: 'https://api.example.com/', relPath: 'obs/no-pubtime.json' },
    ];
    const api: FlowHook = { name: 'api', poll: async () => listing };
    const broken: FlowHook = { name: 'broken', poll: () => { throw new Error('api down'); } };
    const other: FlowHook = { name: 'other', afterAccept: () => {} };
    const p = new Poller({
      pollUrl: 'https://api.example.com/', paths: ['/'], baseUrl: 'https://api.example.com/', identity: 'none',
      schedule: parseSchedule({ scheduled_interval: 10 }), fileAgeMax: 0,
      connect: async () => { throw new Error('the built-in listing must not run'); },
      seen: new SeenCache(join(d, 'seen'), 3600), active: () => true, now: () => now, idleMs: 1, logger,
    });
    const metrics = counts();
    p.usePlugins([broken, other, api], metrics);
    await p.start();
    const ac = new AbortController();
    const first = await p.gather(100, ac.signal);
    assert.deepEqual(first.map((i) => i.notice.relPath), ['obs/a.json']);
    assert.equal(metrics.n.get('totals.malformed'), 1);
    assert.equal(metrics.n.get('totals.pluginErrors'), 1);
    now += 10_000;
    assert.deepEqual(await p.gather(100, ac.signal), [], 'the same listing again: nothing new');
    listing = [{ ...listing[0] as object, size: 11 }, { pubTime: '20261122T101800', baseUrl: 'https://api.example.com/', relPath: 'obs/b.json', size: 1 }];
    now += 10_000;
    assert.deepEqual((await p.gather(100, ac.signal)).map((i) => i.notice.relPath), ['obs/a.json', 'obs/b.json'], 'changed and new');
    await p.stop();
    await logger.close();
    const text = await readFile(file, 'utf8');
    assert.match(text, /broken\.poll failed: api down/);
    assert.match(text, /api\.poll: malformed notice obs\/no-pubtime\.json/);
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});
