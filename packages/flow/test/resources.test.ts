// MemoryWatch (sr3 housekeeping.resources) and MessageRateMin: what they decide at housekeeping, with memory and clock injected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger } from '@sarra/common';
import { optionsFromText } from '@sarra/config';
import { MemoryWatch } from '../src/resources.js';
import { MessageRateMin } from '../src/rate-min.js';
import { newWorklist, type WorkItem } from '../src/types.js';

const sub = (text: string) => optionsFromText('subscribe', `broker amqp://u@h/\n${text}`);
const items = (n: number): WorkItem[] => Array.from({ length: n }, (_, i) => ({ notice: { pubTime: '20260101T000000', baseUrl: 'http://h/', relPath: `f${i}` } }));

function lines(): { log: Logger; got: string[] } {
  const got: string[] = [];
  const log = Logger.silent();
  for (const level of ['info', 'warning'] as const) (log as unknown as Record<string, (m: string) => void>)[level] = (m) => { got.push(`${level} ${m}`); };
  return { log, got };
}

test('MemoryMax set: a restart once the memory is over it, asked once', () => {
  let mem = 100 << 20;
  const restarts: string[] = [];
  const w = new MemoryWatch(sub('MemoryMax 200m'), Logger.silent(), { restart: (why) => restarts.push(why), rss: () => mem });
  w.onHousekeeping();
  assert.deepEqual(restarts, []);
  mem = 201 << 20;
  w.onHousekeeping();
  w.onHousekeeping();
  assert.equal(restarts.length, 1);
  assert.match(restarts[0]!, /memory 201\.0 MiB is over the limit of 200\.0 MiB/);
});

test('no MemoryMax: the limit is MemoryMultiplier x the memory once MemoryBaseLineFile items were accepted or transferred', () => {
  let mem = 50 << 20;
  const restarts: string[] = [];
  const { log, got } = lines();
  const w = new MemoryWatch(sub('MemoryBaseLineFile 10\nMemoryMultiplier 2'), log, { restart: (why) => restarts.push(why), rss: () => mem });
  w.afterAccept(newWorklist(items(9)));
  mem = 500 << 20;
  w.onHousekeeping();
  assert.deepEqual(restarts, [], 'no limit before the baseline');
  assert.ok(got.some((l) => /memory baseline after 10 items \(9 so far\)/.test(l)));
  const wl = newWorklist();
  wl.ok.push(...items(10));
  w.afterWork(wl);
  mem = 60 << 20;
  w.onHousekeeping();
  assert.ok(got.some((l) => /memory limit 120\.0 MiB \(2 x baseline 60\.0 MiB\)/.test(l)));
  mem = 119 << 20;
  w.onHousekeeping();
  assert.deepEqual(restarts, []);
  mem = 121 << 20;
  w.onHousekeeping();
  assert.equal(restarts.length, 1);
});

test('messageRateMin: a warning at housekeeping when fewer notices per second were accepted over the interval', () => {
  let now = 0;
  const { log, got } = lines();
  const r = new MessageRateMin(sub('messageRateMin 2'), log, () => now);
  r.afterAccept(newWorklist(items(300)));
  now = 100_000;
  r.onHousekeeping();
  assert.deepEqual(got, [], '3 notices/s is above the minimum');
  r.afterAccept(newWorklist(items(50)));
  now = 200_000;
  r.onHousekeeping();
  assert.deepEqual(got, ['warning receiving below minimum message rate: 0.500 messages/s over the last 100 s (messageRateMin 2)']);
});
