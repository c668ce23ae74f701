// Sender options over the file: driver: dry_run (nothing sent, logged), byteRateMax (bodies paced).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@sarra/common';
import type { Options } from '@sarra/config';
import { ByteRateLimiter, type WorkItem } from '@sarra/flow';
import { TransferPool } from '@sarra/transfer';
import { makeSender } from '../src/send-file.js';

function item(relPath: string, newDir: string, newFile: string, fileOp?: Record<string, string>): WorkItem {
  return { notice: { pubTime: '20261122T000000', baseUrl: 'file:/', relPath, ...(fileOp ? { fileOp } : {}) }, newDir, newFile };
}

function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const push = (m: string): void => { lines.push(m); };
  const logger = { debug: push, info: push, warning: push, error: push, critical: push, enabled: () => true, child() { return logger; } };
  return { logger: logger as unknown as Logger, lines };
}

test('dry_run: a sender writes, removes and makes nothing remotely, and says what it would do', async () => {
  const d = await mkdtemp(join(tmpdir(), 'send-dry-'));
  const pool = new TransferPool();
  try {
    await mkdir(join(d, 'src'));
    await mkdir(join(d, 'dst'));
    await writeFile(join(d, 'src', 'f.txt'), 'payload');
    await writeFile(join(d, 'dst', 'old'), 'keep');
    const o = { sendTo: `file:${join(d, 'dst')}/`, baseDir: join(d, 'src'), dry_run: true } as unknown as Options;
    const { logger, lines } = capture();
    const send = makeSender(o, { pool, logger });
    const sig = new AbortController().signal;
    const it = item('f.txt', 'out', 'f.txt');
    await send(it, sig);
    await send(item('old', '', 'old', { remove: '' }), sig);
    await send(item('sub', 'out', 'sub', { directory: '' }), sig);
    assert.deepEqual(await readdir(join(d, 'dst')), ['old'], 'nothing written, removed or made');
    assert.equal(it.reportMessage, 'dry_run: nothing done');
    const log = lines.join('\n');
    assert.match(log, /dry_run: would send .*src\/f\.txt to \/.*dst\/out\/f\.txt at file:/);
    assert.match(log, /dry_run: would remove .*dst\/old/);
    assert.match(log, /dry_run: would mkdir .*dst\/out\/sub/);
  } finally {
    await pool.closeAll();
    await rm(d, { recursive: true, force: true });
  }
});

test('byteRateMax: a send is paced to the instance budget', async () => {
  const d = await mkdtemp(join(tmpdir(), 'send-rate-'));
  const pool = new TransferPool();
  try {
    await mkdir(join(d, 'src'));
    await mkdir(join(d, 'dst'));
    const body = Buffer.alloc(192 * 1024, 3);
    await writeFile(join(d, 'src', 'b.bin'), body);
    const o = { sendTo: `file:${join(d, 'dst')}/`, baseDir: join(d, 'src') } as unknown as Options;
    const send = makeSender(o, { pool, logger: Logger.silent(), rate: new ByteRateLimiter(512 * 1024) });
    const t0 = Date.now();
    await send(item('b.bin', '', 'b.bin'), new AbortController().signal);
    const ms = Date.now() - t0;
    assert.deepEqual(await readFile(join(d, 'dst', 'b.bin')), body);
    assert.ok(ms >= 300, `192 KiB at 512 KiB/s took ${ms} ms`);
  } finally {
    await pool.closeAll();
    await rm(d, { recursive: true, force: true });
  }
});
