// Downloads through the file: driver: temp naming, checksum/size checks, cod, inline content, leftovers, fileOps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readlink, rm, stat, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger, PathEscapeError, PermanentError } from '@sarra/common';
import type { Options } from '@sarra/config';
import { TransferPool } from '@sarra/transfer';
import { inflightPath, makeDownloader, remotePath } from '../src/download.js';
import { applyFileOp } from '../src/fileops.js';
import type { FlowMetrics, WorkItem } from '../src/types.js';

let dir: string;
const pool = new TransferPool({});
const counts = new Map<string, number>();
const metrics: FlowMetrics = {
  inc: (n, by = 1) => { counts.set(n, (counts.get(n) ?? 0) + by); },
  set: () => {}, lag: () => {}, rejected: () => {}, write: async () => {},
};
const data = Buffer.from('hello sarra\n'.repeat(100));
const sha = (b: Buffer): string => createHash('sha512').update(b).digest('base64');

function opts(over: Partial<Options> = {}): Options {
  return { directory: dir, baseDir: dir, mirror: true, permDirDefault: 0o775, permCopy: true, permDefault: 0, timeCopy: true, identity: 'sha512', ...over } as unknown as Options;
}

function item(over: Partial<WorkItem['notice']> = {}, extra: Partial<WorkItem> = {}): WorkItem {
  return { notice: { pubTime: '20240101T000000', baseUrl: `file://${join(dir, 'src')}/`, relPath: 'a/f.txt', size: data.length, identity: { method: 'sha512', value: sha(data) }, ...over }, newDir: join(dir, 'out', 'a'), newFile: 'f.txt', ...extra };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dl-test-'));
  await mkdir(join(dir, 'src', 'a'), { recursive: true });
  await writeFile(join(dir, 'src', 'a', 'f.txt'), data);
});
after(async () => {
  await pool.closeAll();
  await rm(dir, { recursive: true, force: true });
});

test('inflight naming: .tmp suffix by default, . prefix, tmp/ subdir, None', () => {
  assert.equal(inflightPath('/d/f', undefined), '/d/f.tmp');
  assert.equal(inflightPath('/d/f', '.tmp'), '/d/f.tmp');
  assert.equal(inflightPath('/d/f', '.'), '/d/.f');
  assert.equal(inflightPath('/d/f', 'tmp/'), '/d/tmp/f');
  assert.equal(inflightPath('/d/f', 'None'), '/d/f');
});

test('remotePath joins the baseUrl path and relPath', () => {
  assert.equal(remotePath({ pubTime: '', baseUrl: 'http://h/pub/', relPath: '/a/b c' }), '/pub/a/b c');
  assert.equal(remotePath({ pubTime: '', baseUrl: 'http://h', relPath: 'a/b', retrievePath: 'x/y' }), '/x/y');
});

test('remotePath for sftp: bare baseUrl keeps a relative relPath login-relative, an absolute one absolute; a URL path is joined in front', () => {
  assert.equal(remotePath({ pubTime: '', baseUrl: 'sftp://u@h/', relPath: 'sent/x' }), 'sent/x');
  assert.equal(remotePath({ pubTime: '', baseUrl: 'sftp://u@h/', relPath: '/sent/x' }), '/sent/x');
  assert.equal(remotePath({ pubTime: '', baseUrl: 'sftp://u@h', relPath: 'sent/x' }), 'sent/x');
  assert.equal(remotePath({ pubTime: '', baseUrl: 'sftp://u@h/some/dir/', relPath: 'sent/x' }), '/some/dir/sent/x');
  assert.equal(remotePath({ pubTime: '', baseUrl: 'sftp://u@h/some/dir', relPath: '/sent/x' }), '/some/dir/sent/x');
  assert.equal(remotePath({ pubTime: '', baseUrl: 'sftp://u@h/', relPath: 'x', retrievePath: 'in/y' }), 'in/y');
  // http keeps its URL-path meaning
  assert.equal(remotePath({ pubTime: '', baseUrl: 'http://h/', relPath: 'sent/x' }), '/sent/x');
});

test('a good file lands at the final path with its mode and mtime, no temp left', async () => {
  const dl = makeDownloader(opts(), { pool, logger: Logger.silent(), metrics });
  const it = item({ mode: '640', mtime: '20200105T120000' });
  await dl(it, new AbortController().signal);
  const final = join(dir, 'out', 'a', 'f.txt');
  assert.deepEqual(await readFile(final), data);
  const st = await stat(final);
  assert.equal(st.mode & 0o777, 0o640);
  assert.equal(st.mtime.toISOString(), '2020-01-05T12:00:00.000Z');
  assert.deepEqual((await readdir(join(dir, 'out', 'a'))).sort(), ['f.txt']);
  assert.equal(it.bytes, data.length);
});

test('checksum mismatch: nothing at the final path, temp removed, counted, PermanentError 499', async () => {
  const dl = makeDownloader(opts(), { pool, logger: Logger.silent(), metrics });
  const before = counts.get('totals.mismatch') ?? 0;
  const it = item({ identity: { method: 'sha512', value: sha(Buffer.from('other')) } }, { newDir: join(dir, 'mm'), newFile: 'f.txt' });
  await assert.rejects(dl(it, new AbortController().signal), (e: unknown) => e instanceof PermanentError && e.reportCode === 499);
  await assert.rejects(stat(join(dir, 'mm', 'f.txt')));
  assert.deepEqual(await readdir(join(dir, 'mm')), []);
  assert.equal(counts.get('totals.mismatch'), before + 1);
});

test('size mismatch is refused the same way', async () => {
  const dl = makeDownloader(opts(), { pool, logger: Logger.silent(), metrics });
  const it = item({ size: data.length + 1 }, { newDir: join(dir, 'sz'), newFile: 'f.txt' });
  await assert.rejects(dl(it, new AbortController().signal), PermanentError);
  assert.deepEqual(await readdir(join(dir, 'sz')), []);
});

test('cod: the named algorithm is computed and becomes the new identity', async () => {
  const dl = makeDownloader(opts(), { pool, logger: Logger.silent(), metrics });
  const it = item({ identity: { method: 'cod', value: 'sha512' } }, { newDir: join(dir, 'cod'), newFile: 'f.txt' });
  await dl(it, new AbortController().signal);
  assert.deepEqual(it.newIdentity, { method: 'sha512', value: sha(data) });
});

test('inline content is written without a transfer and checked', async () => {
  const dl = makeDownloader(opts(), { pool, logger: Logger.silent(), metrics });
  const body = Buffer.from('inline!');
  const it = item({ baseUrl: 'http://127.0.0.1:1/', content: { encoding: 'base64', value: body.toString('base64') }, size: body.length, identity: { method: 'sha512', value: sha(body) } }, { newDir: join(dir, 'inl'), newFile: 'i.txt' });
  await dl(it, new AbortController().signal);
  assert.deepEqual(await readFile(join(dir, 'inl', 'i.txt')), body);
});

test('a temp file left by a killed process is replaced; none remains', async () => {
  await mkdir(join(dir, 'left'), { recursive: true });
  await writeFile(join(dir, 'left', 'f.txt.tmp'), 'partial garbage from a killed run, longer than the real file '.repeat(50));
  const dl = makeDownloader(opts(), { pool, logger: Logger.silent(), metrics });
  await dl(item({}, { newDir: join(dir, 'left'), newFile: 'f.txt' }), new AbortController().signal);
  assert.deepEqual(await readdir(join(dir, 'left')), ['f.txt']);
  assert.deepEqual(await readFile(join(dir, 'left', 'f.txt')), data);
});

test('fileOps: mkdir, link inside, rename, remove; links and renames pointing outside are refused', async () => {
  const o = opts({ directory: join(dir, 'ops') });
  const op = (relPath: string, fileOp: WorkItem['notice']['fileOp']): WorkItem => ({
    notice: { pubTime: '20240101T000000', baseUrl: 'http://h/', relPath, fileOp },
    newDir: join(dir, 'ops', relPath.split('/').slice(0, -1).join('/')), newFile: relPath.split('/').pop()!, newRelPath: relPath,
  });
  await applyFileOp(o, op('d/sub', { directory: '' }));
  assert.ok((await stat(join(dir, 'ops', 'd', 'sub'))).isDirectory());
  await writeFile(join(dir, 'ops', 'd', 'file'), 'x');
  await applyFileOp(o, op('d/link', { link: 'file' }));
  assert.equal(await readlink(join(dir, 'ops', 'd', 'link')), 'file');
  await applyFileOp(o, op('d/renamed', { rename: 'd/file' }));
  assert.equal(await readFile(join(dir, 'ops', 'd', 'renamed'), 'utf8'), 'x');
  await applyFileOp(o, op('d/renamed', { remove: '' }));
  await assert.rejects(stat(join(dir, 'ops', 'd', 'renamed')));
  await applyFileOp(o, op('d/sub', { directory: '', remove: '' }));
  await assert.rejects(stat(join(dir, 'ops', 'd', 'sub')));
  await assert.rejects(applyFileOp(o, op('d/evil', { link: '../../../etc/passwd' })), PathEscapeError);
  await writeFile(join(dir, 'victim'), 'v');
  await assert.rejects(applyFileOp(o, op('d/evil2', { rename: '../../victim' })), PathEscapeError);
  assert.equal(await readFile(join(dir, 'victim'), 'utf8'), 'v');
});

test('a rename carrying the file: the old local file is renamed (no transfer); a stale or missing one means a download', async () => {
  const dl = makeDownloader(opts(), { pool, logger: Logger.silent(), metrics });
  const out = join(dir, 'out', 'r');
  await mkdir(out, { recursive: true });
  // the old name is here with the announced size: renamed, even though the source cannot serve the file
  await writeFile(join(out, 'old.txt'), data);
  const gone = item({ relPath: 'r/new.txt', baseUrl: `file://${join(dir, 'nowhere')}/`, fileOp: { rename: 'r/old.txt' } }, { newDir: out, newFile: 'new.txt' });
  await dl(gone, new AbortController().signal);
  assert.deepEqual((await readdir(out)).sort(), ['new.txt']);
  assert.deepEqual(await readFile(join(out, 'new.txt')), data);
  // the old name holds something else: removed, and the new name is downloaded
  await mkdir(join(dir, 'src', 'r'), { recursive: true });
  await writeFile(join(dir, 'src', 'r', 'g.txt'), data);
  await writeFile(join(out, 'stale.txt'), 'short');
  await dl(item({ relPath: 'r/g.txt', fileOp: { rename: 'r/stale.txt' } }, { newDir: out, newFile: 'g.txt' }), new AbortController().signal);
  assert.deepEqual((await readdir(out)).sort(), ['g.txt', 'new.txt']);
  assert.deepEqual(await readFile(join(out, 'g.txt')), data);
  // no old name at all: downloaded
  await dl(item({ relPath: 'a/f.txt', fileOp: { rename: 'r/never.txt' } }, { newDir: out, newFile: 'h.txt' }), new AbortController().signal);
  assert.deepEqual(await readFile(join(out, 'h.txt')), data);
});
