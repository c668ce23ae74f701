// The on-disk retry queue: FIFO, nothing handed out is lost across a crash, torn lines, TTL, consolidation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { legacyRetryQueueFiles, retryQueueFile } from '@sarra/common';
import { DiskQueue } from '../src/diskqueue.js';
import type { WorkItem } from '../src/types.js';

function item(i: number, extra: Partial<WorkItem> = {}): WorkItem {
  return {
    notice: {
      pubTime: '20261122T020710.613460302',
      baseUrl: 'http://127.0.0.1:8090/',
      relPath: `wire/f_${i}.dat`,
      identity: { method: 'sha512', value: `v${i}` },
      size: i,
    },
    newDir: '/data/out/wire',
    newFile: `f_${i}.dat`,
    attempts: 3,
    ...extra,
  };
}
const names = (items: WorkItem[]): string[] => items.map((i) => i.notice.relPath);

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'diskqueue-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a post retry queue under an earlier name is opened under its new one, its items kept', async () => {
  await withDir(async (dir) => {
    const old = join(dir, 'post_retry_003');
    const q0 = new DiskQueue(old, 0);
    await q0.put([item(1), item(2)]);
    await q0.close();
    const q = new DiskQueue(retryQueueFile(dir, 'post', 3), 0, { legacy: legacyRetryQueueFiles(dir, 'post', 3) });
    await q.open();
    assert.equal(q.size(), 2);
    await assert.rejects(stat(old), { code: 'ENOENT' });
    await stat(join(dir, 'diskqueue_post_retry_003'));
    await q.close();
  });
});

test('FIFO: get returns the oldest first, up to max; size counts the waiting', () =>
  withDir(async (dir) => {
    const q = new DiskQueue(join(dir, 'q'), 0);
    await q.open();
    await q.put([item(1), item(2)]);
    await q.put([item(3)]);
    assert.equal(q.size(), 3);
    assert.deepEqual(names(await q.get(2)), ['wire/f_1.dat', 'wire/f_2.dat']);
    assert.equal(q.size(), 1);
    assert.deepEqual(names(await q.get(10)), ['wire/f_3.dat']);
    assert.deepEqual(await q.get(10), []);
    await q.close();
  }));

test('items come back whole (fields kept, ack and the received bytes dropped, a new object each time)', () =>
  withDir(async (dir) => {
    const q = new DiskQueue(join(dir, 'q'), 0);
    const it = item(7, { retrySince: 123, ack: () => {}, raw: Buffer.from('{"received": "bytes"}') });
    await q.put([it]);
    it.newFile = 'mutated after put';
    const [back] = await q.get(1);
    assert.equal(back!.newFile, 'f_7.dat');
    assert.equal(back!.retrySince, 123);
    assert.equal(back!.attempts, 3);
    assert.deepEqual(back!.notice.identity, { method: 'sha512', value: 'v7' });
    assert.equal(back!.ack, undefined);
    assert.equal(back!.raw, undefined);
    assert.ok(!(await readFile(join(dir, 'q'), 'utf8')).includes('received'), 'the raw body is not written');
  }));

test('put resolves only once the line is in the file', () =>
  withDir(async (dir) => {
    const file = join(dir, 'q');
    const q = new DiskQueue(file, 0);
    await q.put([item(1)]);
    const text = await readFile(file, 'utf8');
    assert.match(text, /wire\/f_1\.dat/);
    assert.ok(text.endsWith('\n'));
  }));

test('crash after get and before the next: the handed-out items are redelivered, never lost', () =>
  withDir(async (dir) => {
    const file = join(dir, 'q');
    const q = new DiskQueue(file, 0);
    await q.put([item(1), item(2), item(3)]);
    assert.equal((await q.get(2)).length, 2);
    // simulated kill -9: no close, a new process opens the same file
    const q2 = new DiskQueue(file, 0);
    await q2.open();
    assert.equal(q2.size(), 3);
    assert.deepEqual(names(await q2.get(10)), ['wire/f_1.dat', 'wire/f_2.dat', 'wire/f_3.dat']);
  }));

test('the next get commits the previous batch: after a crash it is not redelivered', () =>
  withDir(async (dir) => {
    const file = join(dir, 'q');
    const q = new DiskQueue(file, 0);
    await q.put([item(1), item(2), item(3)]);
    await q.get(1);
    // the engine re-puts what failed again before its next pass
    await q.put([item(1, { attempts: 6 })]);
    await q.get(1);
    const q2 = new DiskQueue(file, 0);
    await q2.open();
    const back = await q2.get(10);
    assert.deepEqual(names(back), ['wire/f_2.dat', 'wire/f_3.dat', 'wire/f_1.dat'], 'f_2 was handed out, not committed');
    assert.equal(back[2]!.attempts, 6);
  }));

test('close commits what was handed out; reopening gives the rest', () =>
  withDir(async (dir) => {
    const file = join(dir, 'q');
    const q = new DiskQueue(file, 0);
    await q.put([item(1), item(2)]);
    await q.get(1);
    await q.close();
    const q2 = new DiskQueue(file, 0);
    await q2.open();
    assert.deepEqual(names(await q2.get(10)), ['wire/f_2.dat']);
  }));

test('kill -9 mid-write: a torn last line is cut, the rest survives, later puts stay readable', () =>
  withDir(async (dir) => {
    const file = join(dir, 'q');
    const q = new DiskQueue(file, 0);
    await q.put([item(1), item(2)]);
    await q.put([item(3)]);
    const full = (await stat(file)).size;
    await truncate(file, full - 25);
    const q2 = new DiskQueue(file, 0);
    await q2.open();
    assert.equal(q2.size(), 2);
    await q2.put([item(4)]);
    const q3 = new DiskQueue(file, 0);
    await q3.open();
    assert.deepEqual(names(await q3.get(10)), ['wire/f_1.dat', 'wire/f_2.dat', 'wire/f_4.dat']);
  }));

test('a garbage line in the middle is skipped, never fatal', () =>
  withDir(async (dir) => {
    const file = join(dir, 'q');
    const q = new DiskQueue(file, 0);
    await q.put([item(1)]);
    await appendFile(file, '{"id": 99, "t": 1, "item": {"no":"notice"}}\nnot json at all\n');
    await q.put([item(2)]);
    const q2 = new DiskQueue(file, 0);
    await q2.open();
    assert.deepEqual(names(await q2.get(10)), ['wire/f_1.dat', 'wire/f_2.dat']);
  }));

test('retry_ttl: items older than the TTL (from retrySince, else the put) are dropped', () =>
  withDir(async (dir) => {
    let now = 1_000_000;
    const q = new DiskQueue(join(dir, 'q'), 60, { now: () => now });
    await q.put([item(1, { retrySince: now - 50_000 }), item(2)]);
    now += 20_000;
    assert.deepEqual(names(await q.get(10)), ['wire/f_2.dat']);
    assert.equal(q.droppedCount(), 1);
    await q.put([item(3)]);
    now += 61_000;
    await q.housekeeping();
    assert.equal(q.size(), 0);
  }));

test('housekeeping consolidates: duplicates dropped, file rewritten, content preserved across reopen', () =>
  withDir(async (dir) => {
    const file = join(dir, 'q');
    const q = new DiskQueue(file, 0);
    for (let round = 0; round < 5; round++) await q.put([item(1), item(2)]);
    await q.put([item(3)]);
    await q.get(1);
    await q.get(1);
    const before = (await readFile(file, 'utf8')).trim().split('\n').length;
    await q.housekeeping();
    const after = (await readFile(file, 'utf8')).trim().split('\n').length;
    assert.ok(after < before, `${after} < ${before}`);
    // f_1 and f_2 were handed out (committed now); one f_1, one f_2 and f_3 wait; every other copy was a duplicate
    assert.equal(q.size(), 3);
    const q2 = new DiskQueue(file, 0);
    await q2.open();
    assert.deepEqual(names(await q2.get(10)), ['wire/f_1.dat', 'wire/f_2.dat', 'wire/f_3.dat']);
  }));

test('housekeeping keeps a re-put copy of a handed-out item (it survives the commit)', () =>
  withDir(async (dir) => {
    const q = new DiskQueue(join(dir, 'q'), 0);
    await q.put([item(1)]);
    await q.get(1);
    await q.put([item(1, { attempts: 6 })]);
    await q.housekeeping();
    const back = await q.get(10);
    assert.deepEqual(names(back), ['wire/f_1.dat']);
    assert.equal(back[0]!.attempts, 6);
  }));

test('housekeeping (between passes) commits the last batch of a drained queue', () =>
  withDir(async (dir) => {
    const file = join(dir, 'q');
    const q = new DiskQueue(file, 0);
    await q.put([item(1), item(2)]);
    await q.get(2);
    assert.equal(q.size(), 0, 'drained: the engine will not call get again');
    await q.housekeeping();
    assert.equal(q.inFlight(), 0);
    const q2 = new DiskQueue(file, 0);
    await q2.open();
    assert.equal(q2.size(), 0, 'a crash now does not redeliver finished work');
  }));

test('a held item (a transfer carried over) survives the next get and housekeeping until released', () =>
  withDir(async (dir) => {
    const file = join(dir, 'q');
    const q = new DiskQueue(file, 0);
    await q.put([item(1), item(2), item(3)]);
    const out = await q.get(2);
    q.hold([out[0]!]);
    assert.equal(JSON.stringify(out[0]).includes('entry'), false, 'the entry id is never serialised');
    await q.get(10); // commits f_2, not the held f_1
    await q.housekeeping();
    assert.equal(q.inFlight(), 1);
    const crashed = new DiskQueue(file, 0);
    await crashed.open();
    assert.deepEqual(names(await crashed.get(10)), ['wire/f_1.dat'], 'a crash now redelivers the held item only');
    q.release([out[0]!]);
    await q.commit();
    const after = new DiskQueue(file, 0);
    await after.open();
    assert.equal(after.size(), 0, 'released and committed: done');
  }));

test('a put that cannot be written rejects and queues nothing', async () => {
  const q = new DiskQueue('/dev/null/q', 0);
  await assert.rejects(q.put([item(1)]));
  assert.equal(q.size(), 0);
});

test('fsync mode works the same', () =>
  withDir(async (dir) => {
    const q = new DiskQueue(join(dir, 'q'), 0, { fsync: true });
    await q.put([item(1)]);
    await q.housekeeping();
    assert.deepEqual(names(await q.get(1)), ['wire/f_1.dat']);
  }));

/** The engine's use of the queue, run in a child we kill -9: put, get a batch, finish some, re-put the rest. */
const CHILD = (modUrl: string, file: string): string => `
import { DiskQueue } from ${JSON.stringify(modUrl)};
const q = new DiskQueue(${JSON.stringify(file)}, 0);
await q.open();
const say = (s) => new Promise((r) => process.stdout.write(s + '\\n', r));
const mk = (i) => ({ notice: { pubTime: '20261122T020710.6', baseUrl: 'http://h/', relPath: 'f_' + i, identity: { method: 'md5', value: 'v' + i } } });
for (let i = 0; ; i++) {
  await q.put([mk(i)]);
  await say('put ' + i);
  if (i % 3 === 2) {
    const batch = await q.get(2);
    const failed = batch.filter((it, k) => k % 2 === 1);
    for (const it of batch) if (!failed.includes(it)) await say('done ' + it.notice.relPath.slice(2));
    await q.put(failed);
  }
  if (i % 50 === 49) await q.housekeeping();
}
`;

test('kill -9 of a process using the queue loses nothing that put() acknowledged', () =>
  withDir(async (dir) => {
    const { spawn } = await import('node:child_process');
    const { pathToFileURL } = await import('node:url');
    const file = join(dir, 'q');
    const script = join(dir, 'child.mts');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(script, CHILD(pathToFileURL(join(import.meta.dirname, '../src/diskqueue.ts')).href, file));
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', () => resolve());
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if ((out.match(/^put /gm) ?? []).length >= 200) child.kill('SIGKILL');
      });
      setTimeout(() => child.kill('SIGKILL'), 60_000).unref();
    });
    const lines = out.split('\n').filter((l) => /^(put|done) \d+$/.test(l));
    const put = new Set(lines.filter((l) => l.startsWith('put')).map((l) => l.slice(4)));
    const done = new Set(lines.filter((l) => l.startsWith('done')).map((l) => l.slice(5)));
    assert.ok(put.size >= 50, `child ran (${put.size} puts) ${err}`);
    const q = new DiskQueue(file, 0);
    await q.open();
    const left = new Set((await q.get(100_000)).map((i) => i.notice.relPath.slice(2)));
    const lost = [...put].filter((id) => !done.has(id) && !left.has(id));
    assert.deepEqual(lost, [], 'every acknowledged put is either done or still queued');
  }));
