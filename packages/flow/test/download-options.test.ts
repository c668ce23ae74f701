// Download options: dry_run, overwrite, acceptSizeWrong, delete, byteRateMax (file: driver; a stub pool for remote removal).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Logger, PermanentError } from '@sarra/common';
import type { Options } from '@sarra/config';
import { TransferPool, unsupported } from '@sarra/transfer';
import { makeDownloader } from '../src/download.js';
import { deleteSource } from '../src/download-local.js';
import { DiscardHook } from '../src/discard.js';
import { newWorklist } from '../src/types.js';
import { ByteRateLimiter } from '../src/rate-limit.js';
import { deadlineMs } from '../src/attempt.js';
import type { WorkItem } from '../src/types.js';

let dir: string;
const pool = new TransferPool({});
const data = Buffer.from('hello sarra\n'.repeat(100));
const sha = (b: Buffer): string => createHash('sha512').update(b).digest('base64');
const sig = (): AbortSignal => new AbortController().signal;

/** A logger that keeps what it is told. */
function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const push = (m: string): void => { lines.push(m); };
  const logger = { debug: push, info: push, warning: push, error: push, critical: push, enabled: () => true, child() { return logger; } };
  return { logger: logger as unknown as Logger, lines };
}

function opts(over: Partial<Options> = {}): Options {
  return {
    directory: dir, baseDir: dir, mirror: true, permDirDefault: 0o775, permCopy: true, permDefault: 0, timeCopy: true,
    identity: 'sha512', overwrite: true, ...over,
  } as unknown as Options;
}

function item(out: string, over: Partial<WorkItem['notice']> = {}, name = 'f.txt'): WorkItem {
  return {
    notice: { pubTime: '20240101T000000', baseUrl: `file://${join(dir, 'src')}/`, relPath: `a/${name}`, size: data.length, identity: { method: 'sha512', value: sha(data) }, ...over },
    newDir: join(dir, out), newFile: name,
  };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dl-opts-'));
  await mkdir(join(dir, 'src', 'a'), { recursive: true });
  await writeFile(join(dir, 'src', 'a', 'f.txt'), data);
});
after(async () => {
  await pool.closeAll();
  await rm(dir, { recursive: true, force: true });
});

test('dry_run: nothing is read, written, made or removed; what would be done is logged', async () => {
  const { logger, lines } = capture();
  const dl = makeDownloader(opts({ dry_run: true, delete: true }), { pool, logger });
  const it = item('dry');
  await dl(it, sig());
  await assert.rejects(stat(join(dir, 'dry')), 'no directory made');
  assert.match(lines.join('\n'), /dry_run: would download file:\/\/.*\/src\/a\/f\.txt to .*\/dry\/f\.txt and delete the source/);
  assert.deepEqual(await readFile(join(dir, 'src', 'a', 'f.txt')), data, 'the source is not deleted');
  // a removal is not carried out either
  await mkdir(join(dir, 'dry2'));
  await writeFile(join(dir, 'dry2', 'keep'), 'x');
  const rmIt: WorkItem = { notice: { pubTime: '20240101T000000', baseUrl: 'http://h/', relPath: 'keep', fileOp: { remove: '' } }, newDir: join(dir, 'dry2'), newFile: 'keep' };
  await dl(rmIt, sig());
  assert.equal(await readFile(join(dir, 'dry2', 'keep'), 'utf8'), 'x');
  assert.match(lines.join('\n'), /dry_run: would remove .*dry2\/keep/);
});

test('overwrite off: an identical local file is not downloaded again (PermanentError 304), a different one is', async () => {
  const dl = makeDownloader(opts({ overwrite: false }), { pool, logger: Logger.silent() });
  await dl(item('ow'), sig());
  const first = await stat(join(dir, 'ow', 'f.txt'));
  await assert.rejects(dl(item('ow'), sig()), (e: unknown) => e instanceof PermanentError && e.reportCode === 304 && /identical/.test(e.message));
  assert.equal((await stat(join(dir, 'ow', 'f.txt'))).ino, first.ino, 'the local file was left alone');
  // same size, other bytes: not identical, downloaded
  await writeFile(join(dir, 'ow', 'f.txt'), Buffer.alloc(data.length, 0x41));
  await dl(item('ow'), sig());
  assert.deepEqual(await readFile(join(dir, 'ow', 'f.txt')), data);
  // an identity that cannot be compared (cod) is always downloaded
  await dl(item('ow', { identity: { method: 'cod', value: 'sha512' } }), sig());
  // identical inline content: skipped too
  const body = Buffer.from('inline!');
  const inl = (): WorkItem => item('ow', { content: { encoding: 'utf-8', value: 'inline!' }, size: body.length, identity: { method: 'sha512', value: sha(body) } }, 'i.txt');
  await dl(inl(), sig());
  await assert.rejects(dl(inl(), sig()), (e: unknown) => e instanceof PermanentError && e.reportCode === 304);
});

test('overwrite on (the default): an identical local file is downloaded again', async () => {
  const dl = makeDownloader(opts(), { pool, logger: Logger.silent() });
  await dl(item('ow-on'), sig());
  const first = await stat(join(dir, 'ow-on', 'f.txt'));
  await dl(item('ow-on'), sig());
  assert.notEqual((await stat(join(dir, 'ow-on', 'f.txt'))).ino, first.ino, 'replaced by the new download');
});

test('acceptSizeWrong: a body of another size is kept and announced with its real size and checksum', async () => {
  const grown = Buffer.concat([data, Buffer.from('appended since the notice\n')]);
  await writeFile(join(dir, 'src', 'a', 'grown.txt'), grown);
  const stale = { size: data.length, identity: { method: 'sha512' as const, value: sha(data) } };
  // off: refused as a mismatch
  await assert.rejects(makeDownloader(opts(), { pool, logger: Logger.silent() })(item('sw0', stale, 'grown.txt'), sig()),
    (e: unknown) => e instanceof PermanentError && e.reportCode === 499);
  const { logger, lines } = capture();
  const dl = makeDownloader(opts({ acceptSizeWrong: true }), { pool, logger });
  const it = item('sw', stale, 'grown.txt');
  await dl(it, sig());
  assert.deepEqual(await readFile(join(dir, 'sw', 'grown.txt')), grown);
  assert.equal(it.newSize, grown.length);
  assert.deepEqual(it.newIdentity, { method: 'sha512', value: sha(grown) });
  assert.match(lines.join('\n'), /acceptSizeWrong: .*grown\.txt is \d+ bytes, the notice said 1200/);
  // the same size with other bytes is still a checksum mismatch
  await assert.rejects(dl(item('sw2', { size: data.length, identity: { method: 'sha512', value: sha(Buffer.from('x')) } }), sig()), PermanentError);
});

test('delete: the file: source is removed once the download is in place; a failed download leaves it', async () => {
  await mkdir(join(dir, 'src', 'd'), { recursive: true });
  await writeFile(join(dir, 'src', 'd', 'g.txt'), data);
  const dl = makeDownloader(opts({ delete: true }), { pool, logger: Logger.silent() });
  const bad = item('del0', { relPath: 'd/g.txt', identity: { method: 'sha512', value: sha(Buffer.from('no')) } }, 'g.txt');
  await assert.rejects(dl(bad, sig()));
  assert.deepEqual(await readdir(join(dir, 'src', 'd')), ['g.txt'], 'kept after a failure');
  await dl(item('del', { relPath: 'd/g.txt' }, 'g.txt'), sig());
  assert.deepEqual(await readFile(join(dir, 'del', 'g.txt')), data);
  assert.deepEqual(await readdir(join(dir, 'src', 'd')), [], 'the source is gone');
});

test('delete: a remote source is removed through the driver; a driver that cannot is warned about once, the download stands', async () => {
  const removed: string[] = [];
  const fake = (remove: (p: string) => Promise<void>): TransferPool => ({ get: async () => ({ remove }) }) as unknown as TransferPool;
  const n = { pubTime: '20240101T000000', baseUrl: 'sftp://u@h/', relPath: 'in/x' };
  await deleteSource({ pool: fake(async (p) => { removed.push(p); }), logger: Logger.silent(), warned: new Set() }, n, 'in/x');
  assert.deepEqual(removed, ['in/x']);
  const { logger, lines } = capture();
  const r = { pool: fake(async () => { throw unsupported('http', 'remove'); }), logger, warned: new Set<string>() };
  const h = { ...n, baseUrl: 'http://h/' };
  await deleteSource(r, h, '/in/x');
  await deleteSource(r, h, '/in/y');
  assert.equal(lines.filter((l) => /delete: the source .* was not removed/.test(l)).length, 1);
});

test('byteRateMax: reservations keep the bytes moved under rate x elapsed whatever the number of transfers', () => {
  let now = 1000;
  const r = new ByteRateLimiter(1000, () => now);
  assert.equal(r.reserve(500), 500, 'half a second of budget');
  assert.equal(r.reserve(500), 1000, 'the second half waits for the first');
  assert.equal(r.reserve(1000), 2000);
  now += 5000;
  assert.equal(r.reserve(100), 100, 'an idle budget does not pile up into a burst');
});

test('byteRateMax: a download is paced to the budget', async () => {
  const big = Buffer.alloc(256 * 1024, 7);
  await writeFile(join(dir, 'src', 'a', 'big.bin'), big);
  const dl = makeDownloader(opts(), { pool, logger: Logger.silent(), rate: new ByteRateLimiter(512 * 1024) });
  const t0 = Date.now();
  await dl(item('rate', { size: big.length, identity: { method: 'sha512', value: sha(big) } }, 'big.bin'), sig());
  const ms = Date.now() - t0;
  assert.deepEqual(await readFile(join(dir, 'rate', 'big.bin')), big);
  assert.ok(ms >= 350, `256 KiB at 512 KiB/s took ${ms} ms`);
});

test('byteRateMax: a paced stream passes its source error on', async () => {
  const r = new ByteRateLimiter(1 << 20);
  const src = new Readable({ read() { this.destroy(new Error('boom')); } });
  await assert.rejects(async () => { for await (const _ of r.throttle(src)) { /* drain */ } }, /boom/);
});

test('overwrite off through the engine: the skipped notice is acked, reported 304, not posted, not failed', async () => {
  const { Flow } = await import('../src/engine.js');
  const acks: string[] = [];
  const posted: string[] = [];
  const failed: number[] = [];
  const items = [item('eng'), item('eng')].map((it, i) => ({ ...it, ack: () => { acks.push(String(i)); } }));
  const rejected: WorkItem[] = [];
  const o = opts({ overwrite: false, batch: 1, attempts: 1, housekeeping: 300, sleep: 0.01, messageCountMax: 0, messageAgeMax: 0, logEvents: new Set<string>() } as Partial<Options>);
  await new Flow(o, {
    gatherer: { name: 't', start: async () => {}, gather: async (max: number) => items.splice(0, max), done: () => items.length === 0, stop: async () => {} },
    work: 'download', hooks: [{ name: 'spy', afterWork: (wl) => { rejected.push(...wl.rejected); } }], logger: Logger.silent(), instance: 1,
    accept: () => ({ accepted: true }),
    downloader: makeDownloader(o, { pool, logger: Logger.silent() }),
    poster: { start: async () => {}, post: async (its) => { posted.push(...its.map((i) => i.notice.relPath)); }, retry: async () => {}, pending: () => 0, housekeeping: async () => {}, close: async () => {} },
    metrics: { inc: (n: string, by = 1) => { if (n === 'totals.failed') failed.push(by); }, set: () => {}, lag: () => {}, rejected: () => {}, write: async () => {} },
  }).run(AbortSignal.timeout(5000));
  assert.deepEqual(acks.sort(), ['0', '1']);
  assert.deepEqual(posted, ['a/f.txt'], 'only the first one, which downloaded, is announced');
  assert.equal(rejected.length, 1);
  assert.equal(rejected[0]!.reportCode, 304);
  assert.deepEqual(failed, []);
});

test('discard: after post, the files the download wrote are removed; file operations and dry_run items are left', async () => {
  const o = opts();
  const dl = makeDownloader(o, { pool, logger: Logger.silent() });
  const got = item('disc');
  await dl(got, sig());
  await writeFile(join(dir, 'disc', 'made-by-a-fileop'), 'x');
  const op: WorkItem = { notice: { pubTime: '20240101T000000', baseUrl: 'http://h/', relPath: 'made-by-a-fileop', fileOp: { link: 'x' } }, newDir: join(dir, 'disc'), newFile: 'made-by-a-fileop' };
  const dry = { ...item('disc', {}, 'dry.txt') };
  await writeFile(join(dir, 'disc', 'dry.txt'), 'y');
  const wl = newWorklist();
  wl.ok.push(got, op, dry);
  await new DiscardHook(o, Logger.silent()).afterPost(wl);
  assert.deepEqual((await readdir(join(dir, 'disc'))).sort(), ['dry.txt', 'made-by-a-fileop']);
  // already gone: no error
  await new DiscardHook(o, Logger.silent()).afterPost(wl);
});

test('byteRateMax: no whole-transfer deadline (transferRateMin) while transfers are paced on purpose', () => {
  const it = item('x', { size: 10 << 20 });
  assert.equal(deadlineMs(opts({ transferRateMin: 1024, timeout: 300 } as Partial<Options>), it), (300 + 10240) * 1000);
  assert.equal(deadlineMs(opts({ transferRateMin: 1024, timeout: 300, byteRateMax: 512 } as Partial<Options>), it), undefined);
});
