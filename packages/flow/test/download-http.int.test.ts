// Integration: big downloads from a real nginx take the raw-socket path, where the body is read straight into
// the download's blocks: the whole file with its checksum checked, and a wrong checksum or size leaves nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger, PermanentError, TransientError } from '@sarra/common';
import type { Options } from '@sarra/config';
import { TransferPool } from '@sarra/transfer';
import { startNginx, type NginxHandle } from '@sarra/testkit/nginx';
import { makeDownloader } from '../src/download.js';
import type { FlowMetrics, WorkItem } from '../src/types.js';

let dir: string;
let nginx: NginxHandle;
const pool = new TransferPool({});
const body = randomBytes((20 << 20) + 4321); // above the raw-path and off-thread-hash thresholds
const sha = createHash('sha512').update(body).digest('base64');
let mismatches = 0;
const metrics: FlowMetrics = {
  inc: (n, by = 1) => { if (n === 'totals.mismatch') mismatches += by; },
  set: () => {}, lag: () => {}, rejected: () => {}, write: async () => {},
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dl-http-'));
  await writeFile(join(dir, 'big.bin'), body);
  nginx = await startNginx({ root: dir });
});
after(async () => {
  await pool.closeAll();
  await nginx?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

function item(dest: string, over: Partial<WorkItem['notice']> = {}): WorkItem {
  return { notice: { pubTime: '20240101T000000', baseUrl: nginx.url, relPath: '/big.bin', size: body.length, identity: { method: 'sha512', value: sha }, ...over }, newDir: join(dir, dest), newFile: 'big.bin' };
}

test('a 20 MiB file arrives whole, checksum checked, no temp left', async () => {
  const dl = makeDownloader({ directory: dir, permDirDefault: 0o775 } as unknown as Options, { pool, logger: Logger.silent(), metrics });
  const it = item('good');
  await dl(it, new AbortController().signal);
  assert.ok((await readFile(join(dir, 'good', 'big.bin'))).equals(body));
  assert.deepEqual(await readdir(join(dir, 'good')), ['big.bin']);
  assert.equal(it.bytes, body.length);
});

test('a wrong checksum or size: PermanentError 499, nothing at the final path, counted', async () => {
  const dl = makeDownloader({ directory: dir, permDirDefault: 0o775 } as unknown as Options, { pool, logger: Logger.silent(), metrics });
  const wrongSum = item('badsum', { identity: { method: 'sha512', value: createHash('sha512').update('other').digest('base64') } });
  const wrongSize = item('badsize', { size: body.length + 1 });
  for (const it of [wrongSum, wrongSize]) {
    await assert.rejects(dl(it, new AbortController().signal), (e: unknown) => e instanceof PermanentError && e.reportCode === 499);
    assert.deepEqual(await readdir(it.newDir!), []);
  }
  assert.equal(mismatches, 2);
});

/** A logger that keeps its info lines (what an operator would grep for "resumed"). */
function keepingLogger(lines: string[]): Logger {
  const l = Logger.silent();
  l.info = (m: string) => { lines.push(m); };
  return l;
}

test('a partial temp file left by a crash is resumed with Range and the whole file verified', async () => {
  const lines: string[] = [];
  let rx = 0;
  const counting: FlowMetrics = { ...metrics, inc: (n, by = 1) => { if (n === 'totals.transferredBytes') rx += by; } };
  const dl = makeDownloader({ directory: dir, permDirDefault: 0o775 } as unknown as Options, { pool, logger: keepingLogger(lines), metrics: counting });
  await mkdir(join(dir, 'resume'), { recursive: true });
  const have = 7 << 20;
  await writeFile(join(dir, 'resume', 'big.bin.tmp'), body.subarray(0, have)); // what a kill -9 left
  const it = item('resume');
  await dl(it, new AbortController().signal);
  assert.ok((await readFile(join(dir, 'resume', 'big.bin'))).equals(body), 'the whole file, right bytes');
  assert.deepEqual(await readdir(join(dir, 'resume')), ['big.bin']);
  assert.equal(it.bytes, body.length);
  assert.ok(lines.some((l) => l.includes(`resumed ${join(dir, 'resume', 'big.bin')} from byte ${have}`)), lines.join('\n'));
  assert.equal(rx, body.length - have, 'only the missing bytes were fetched');
});

test('a partial temp file of another version fails the whole-file check, is dropped, and the retry starts from zero', async () => {
  const dl = makeDownloader({ directory: dir, permDirDefault: 0o775 } as unknown as Options, { pool, logger: Logger.silent(), metrics });
  await mkdir(join(dir, 'stale'), { recursive: true });
  await writeFile(join(dir, 'stale', 'big.bin.tmp'), randomBytes(3 << 20));
  await assert.rejects(dl(item('stale'), new AbortController().signal), TransientError);
  assert.deepEqual(await readdir(join(dir, 'stale')), [], 'the stale partial is gone, nothing at the final name');
  await dl(item('stale'), new AbortController().signal);
  assert.ok((await readFile(join(dir, 'stale', 'big.bin'))).equals(body));
});

test('a transfer broken midway keeps what arrived, and the next attempt resumes it', async () => {
  const lines: string[] = [];
  const dl = makeDownloader({ directory: dir, permDirDefault: 0o775 } as unknown as Options, { pool, logger: keepingLogger(lines), metrics });
  const ctl = new AbortController();
  const first = dl(item('broken'), ctl.signal);
  // abort once some blocks are on disk (a deadline or a stop does the same)
  for (let i = 0; i < 200; i++) {
    const st = await stat(join(dir, 'broken', 'big.bin.tmp')).catch(() => undefined);
    if (st && st.size >= 2 << 20) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  ctl.abort(new Error('deadline'));
  await assert.rejects(first);
  const left = await stat(join(dir, 'broken', 'big.bin.tmp')).catch(() => undefined);
  if (left && left.size < body.length) {
    await dl(item('broken'), new AbortController().signal);
    assert.ok(lines.some((l) => l.startsWith('resumed ')), 'the second attempt resumed');
  } else {
    // the whole body arrived before the abort was seen (temp file complete, or already renamed): nothing to resume
    await dl(item('broken'), new AbortController().signal);
  }
  assert.ok((await readFile(join(dir, 'broken', 'big.bin'))).equals(body));
  assert.deepEqual(await readdir(join(dir, 'broken')), ['big.bin']);
});
