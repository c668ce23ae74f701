// StreamPosition: a stream consumer resumes at the first offset handed over and not yet acked, kept in a file.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Logger } from '@sarra/common';
import { StreamPosition } from '../src/stream-offset.js';

const dir = await mkdtemp(join(tmpdir(), 'stream-pos-'));
after(() => rm(dir, { recursive: true, force: true }));

test('a new stream is read from its first message; then from the lowest offset not acked', async () => {
  const p = new StreamPosition(join(dir, 'a.offset'), Logger.silent());
  assert.equal(await p.load(), undefined);
  assert.equal(p.resumeAt(), 'first');
  for (const n of [10, 11, 12, 13]) p.delivered(n);
  assert.equal(p.next(), 10);
  p.acked(11);
  p.acked(13);
  assert.equal(p.next(), 10, 'out-of-order acks do not skip an unfinished notice');
  p.acked(10);
  assert.equal(p.next(), 12);
  p.acked(12);
  assert.equal(p.resumeAt(), 14, 'all acked: one past the highest');
  await p.save();
  assert.equal((await readFile(join(dir, 'a.offset'), 'utf8')).trim(), '14');
});

test('the saved position is where a restart resumes; an offset read twice (a reconnect) needs both acks', async () => {
  await writeFile(join(dir, 'b.offset'), '42\n');
  const p = new StreamPosition(join(dir, 'b.offset'), Logger.silent());
  assert.equal(await p.load(), 42);
  assert.equal(p.resumeAt(), 42);
  p.delivered(42);
  p.delivered(42);
  p.acked(42);
  assert.equal(p.next(), 42);
  p.acked(42);
  assert.equal(p.next(), 43);
});

test('an ack of an offset never handed over changes nothing; saving is throttled but the last save is complete', async () => {
  let now = 0;
  const file = join(dir, 'c.offset');
  const p = new StreamPosition(file, Logger.silent(), () => now);
  p.delivered(0);
  p.acked(7);
  assert.equal(p.next(), 0);
  p.delivered(1);
  p.acked(0);
  now = 500;
  p.acked(1);
  await p.save();
  assert.equal((await readFile(file, 'utf8')).trim(), '2');
});
