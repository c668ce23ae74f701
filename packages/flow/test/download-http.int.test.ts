// Integration: big downloads from a real nginx take the raw-socket path, where the body is read straight into
// the download's blocks: the whole file with its checksum checked, and a wrong checksum or size leaves nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger, PermanentError } from '@sarra/common';
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
