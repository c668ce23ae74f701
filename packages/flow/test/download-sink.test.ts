// The body readers of the download: large bodies streamed in blocks with the checksum on the worker thread,
// small ones collected; errors, premature close and abort leave no open fd and reject.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { BlockFill, collectBody, streamToFile } from '../src/download-sink.js';

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'sink-test-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

/** Odd-sized chunks, so blocks never line up with them. */
function chunks(data: Buffer, size = 65_537): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

for (const offThread of [true, false]) {
  test(`streamToFile writes the whole body and its sha512 (${offThread ? 'worker' : 'inline'} hash)`, async () => {
    const data = randomBytes(5 * 1024 * 1024 + 12_345);
    const p = join(dir, `big-${offThread}`);
    const r = await streamToFile(Readable.from(chunks(data)), p, { method: 'sha512', offThread, mode: 0o640, signal: new AbortController().signal });
    assert.equal(r.bytes, data.length);
    assert.equal(r.value, createHash('sha512').update(data).digest('base64'));
    assert.deepEqual(await readFile(p), data);
    assert.equal((await stat(p)).mode & 0o777, 0o640);
  });
}

test('streamToFile takes bytes a driver reads straight into its blocks, also before it attached, and stops the driver while writes lag', { timeout: 30_000 }, async () => {
  const data = randomBytes((40 << 20) + 777); // more blocks than may be in flight at once
  const fill = new BlockFill();
  const src = new PassThrough();
  let off = 0, stops = 0;
  /** One socket read of up to `n` bytes landing in the fill's space. */
  const read = (n: number): boolean => {
    const space = fill.space();
    const k = Math.min(n, space.length, data.length - off);
    space.set(data.subarray(off, off + k));
    off += k;
    return fill.landed(k);
  };
  // reads before the sink attaches (the rest of the read that carried the response head, and more): the fill
  // holds 16 blocks for it, then asks the driver to stop; attaching resumes the driver
  while (read(1 << 19));
  assert.equal(off, 16 << 20);
  const driver = new Promise<void>((resolve) => {
    const pump = (): void => {
      while (off < data.length) if (!read(300_001)) { stops++; return; }
      src.end();
      resolve();
    };
    fill.resume = () => setImmediate(pump);
  });
  const p = join(dir, 'direct');
  const r = await streamToFile(src, p, { method: 'sha512', offThread: true, mode: 0o644, signal: new AbortController().signal, fill });
  await driver;
  assert.equal(r.bytes, data.length);
  assert.equal(r.value, createHash('sha512').update(data).digest('base64'));
  assert.ok((await readFile(p)).equals(data));
  assert.ok(stops > 0, 'the driver was told to stop reading while blocks were in flight');
});

test('streamToFile: md5 on the worker, empty body, several downloads at once on one worker', async () => {
  const bodies = [randomBytes(3 << 20), Buffer.alloc(0), randomBytes(1 << 20), randomBytes(2_000_001)];
  const res = await Promise.all(bodies.map((b, i) => streamToFile(Readable.from(chunks(b, 100_000)), join(dir, `m${i}`), { method: 'md5', offThread: true, mode: 0o644, signal: new AbortController().signal })));
  for (const [i, b] of bodies.entries()) {
    assert.equal(res[i]!.value, createHash('md5').update(b).digest('base64'));
    assert.deepEqual(await readFile(join(dir, `m${i}`)), b);
  }
});

test('streamToFile replaces a leftover with the wanted mode', async () => {
  const p = join(dir, 'left');
  await writeFile(p, 'old leftover that is longer', { mode: 0o600 });
  await streamToFile(Readable.from([Buffer.from('new')]), p, { offThread: false, mode: 0o644, signal: new AbortController().signal });
  assert.equal(await readFile(p, 'utf8'), 'new');
  assert.equal((await stat(p)).mode & 0o777, 0o644);
});

test('streamToFile rejects on a source error, a premature close and an abort', async () => {
  const errSrc = new PassThrough();
  const p1 = streamToFile(errSrc, join(dir, 'e1'), { method: 'sha512', offThread: true, mode: 0o644, signal: new AbortController().signal });
  errSrc.write(randomBytes(3 << 20));
  setTimeout(() => errSrc.destroy(Object.assign(new Error('reset'), { code: 'ECONNRESET' })), 20);
  await assert.rejects(p1, /reset/);

  const closeSrc = new PassThrough();
  const p2 = streamToFile(closeSrc, join(dir, 'e2'), { offThread: false, mode: 0o644, signal: new AbortController().signal });
  closeSrc.write(Buffer.alloc(1000));
  setTimeout(() => closeSrc.destroy(), 20);
  await assert.rejects(p2, /before the whole body/);

  const ctl = new AbortController();
  const slow = new PassThrough();
  const p3 = streamToFile(slow, join(dir, 'e3'), { method: 'sha512', offThread: true, mode: 0o644, signal: ctl.signal });
  slow.write(Buffer.alloc(2 << 20));
  setTimeout(() => ctl.abort(new Error('stop now')), 20);
  await assert.rejects(p3, /stop now/);
  assert.equal(slow.destroyed, true);
});

test('collectBody: whole body, stops past the limit, rejects on premature close', async () => {
  const data = randomBytes(10_000);
  const r = await collectBody(Readable.from(chunks(data, 3000)), data.length, new AbortController().signal);
  assert.deepEqual(r.buf, data);
  assert.equal(r.bytes, data.length);
  const over = await collectBody(Readable.from(chunks(data, 3000)), 5000, new AbortController().signal);
  assert.ok(over.bytes > 5000);
  const src = new PassThrough();
  const p = collectBody(src, 100, new AbortController().signal);
  src.write(Buffer.alloc(10));
  setTimeout(() => src.destroy(), 10);
  await assert.rejects(p, /before the whole body/);
});
