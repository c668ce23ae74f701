// Integration: downloads from a real sshd follow sr3's sftp path convention: with a bare sftp://host/ baseUrl a
// relPath without '/' is relative to the login directory, an absolute one is absolute; a URL path goes in front.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@sarra/common';
import type { Options } from '@sarra/config';
import { TransferPool } from '@sarra/transfer';
import { startSshd } from '@sarra/testkit/sshd';
import type { SshdHandle } from '@sarra/testkit/sshd';
import { makeDownloader } from '../src/download.js';
import type { WorkItem } from '../src/types.js';

let sshd: SshdHandle;
let out: string;
let pool: TransferPool;
const loginFile = randomBytes(5000);
const absFile = randomBytes(7000);
const sha = (b: Buffer): string => createHash('sha512').update(b).digest('base64');

before(async () => {
  sshd = await startSshd();
  out = await mkdtemp(join(tmpdir(), 'dl-sftp-out-'));
  await mkdir(join(sshd.root, 'sent'), { recursive: true });
  await writeFile(join(sshd.root, 'sent', 'x'), loginFile);
  // an absolute path elsewhere than the login directory, named in full by the notice
  await mkdir(join(out, 'abs', 'sent'), { recursive: true });
  await writeFile(join(out, 'abs', 'sent', 'x'), absFile);
  pool = new TransferPool({ details: { ssh_keyfile: sshd.keyFile, known_hosts: sshd.knownHosts } });
});
after(async () => {
  await pool?.closeAll();
  await sshd?.cleanup();
  await rm(out, { recursive: true, force: true });
});

function item(baseUrl: string, relPath: string, data: Buffer, dest: string): WorkItem {
  return { notice: { pubTime: '20240101T000000', baseUrl, relPath, size: data.length, identity: { method: 'sha512', value: sha(data) } }, newDir: join(out, dest), newFile: 'x' };
}

test('sftp://host/ + relative relPath = login directory; + absolute relPath = that absolute path; URL path joined in front', async () => {
  const o = { directory: out, mirror: false, permDirDefault: 0o775, identity: 'sha512' } as unknown as Options;
  const dl = makeDownloader(o, { pool, logger: Logger.silent() });
  const sig = new AbortController().signal;
  await dl(item(`${sshd.url}/`, 'sent/x', loginFile, 'rel'), sig);
  assert.deepEqual(await readFile(join(out, 'rel', 'x')), loginFile);
  await dl(item(`${sshd.url}/`, join(out, 'abs', 'sent', 'x'), absFile, 'abs-got'), sig);
  assert.deepEqual(await readFile(join(out, 'abs-got', 'x')), absFile);
  await dl(item(`${sshd.url}${join(out, 'abs')}/`, 'sent/x', absFile, 'joined'), sig);
  assert.deepEqual(await readFile(join(out, 'joined', 'x')), absFile);
});
