// Integration: the http driver against a real nginx on loopback (testkit): get, Range resume, 404,
// outage -> transient, keep-alive reuse, index listing, pool reuse.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { PermanentError, TransientError } from '@sarra/common';
import { startNginx } from '@sarra/testkit/nginx';
import type { NginxHandle } from '@sarra/testkit/nginx';
import { TransferPool, openTransfer } from '@sarra/transfer';

async function readAll(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('http driver against nginx', () => {
  let root = '';
  let nginx: NginxHandle;
  const body = randomBytes(300_000);

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'sarra-http-'));
    await mkdir(join(root, 'dir one'));
    await writeFile(join(root, 'dir one', 'data.bin'), body);
    await writeFile(join(root, 'dir one', 'small.txt'), 'hello');
    const t = new Date(Date.UTC(2020, 0, 5, 12, 34, 0));
    await utimes(join(root, 'dir one', 'small.txt'), t, t);
    for (let i = 0; i < 20; i++) await writeFile(join(root, `f${i}`), `file ${i}`);
    nginx = await startNginx({ root });
  });
  after(async () => {
    await nginx?.cleanup();
    await rm(root, { recursive: true, force: true });
  });

  it('gets a file byte-identical (path with a space, relative to the URL path)', async () => {
    const t = await openTransfer(`${nginx.url}dir%20one/`);
    assert.deepEqual(await readAll(await t.getStream('data.bin')), body);
    assert.deepEqual(await readAll(await t.getStream('/dir one/data.bin')), body);
    await t.close();
  });

  it('resumes from an offset with Range', async () => {
    const t = await openTransfer(nginx.url);
    const got = await readAll(await t.getStream('/dir one/data.bin', { offset: 123_456 }));
    assert.deepEqual(got, body.subarray(123_456));
    await t.close();
  });

  it('reports a missing file as PermanentError 404', async () => {
    const t = await openTransfer(nginx.url);
    await assert.rejects(t.getStream('/dir one/nope'), (e: unknown) => {
      assert.ok(e instanceof PermanentError);
      assert.equal(e.reportCode, 404);
      assert.match(e.message, /404/);
      return true;
    });
    assert.equal(await t.stat('/dir one/nope'), undefined);
    await t.close();
  });

  it('stats and lists with exact sizes and UTC mtimes', async () => {
    const t = await openTransfer(nginx.url);
    const st = await t.stat('/dir one/small.txt');
    assert.equal(st?.size, 5);
    assert.equal(st?.mtime, Date.UTC(2020, 0, 5, 12, 34, 0));
    const rows = await t.list('/dir one');
    const small = rows.find((r) => r.name === 'small.txt');
    assert.deepEqual(small, { name: 'small.txt', size: 5, mtime: Date.UTC(2020, 0, 5, 12, 34), isDir: false });
    assert.equal(rows.find((r) => r.name === 'data.bin')?.size, body.length);
    const top = await t.list('/');
    assert.ok(top.some((r) => r.name === 'dir one' && r.isDir));
    await t.close();
  });

  it('reuses keep-alive connections across many requests', async () => {
    const t = await openTransfer(nginx.url);
    for (let round = 0; round < 3; round++) {
      await Promise.all(Array.from({ length: 20 }, async (_, i) => {
        assert.equal((await readAll(await t.getStream(`/f${i}`))).toString(), `file ${i}`);
      }));
    }
    await t.close();
    const lines = (await readFile(nginx.accessLog, 'utf8')).split('\n').filter((l) => /"GET \/f\d+ /.test(l));
    assert.equal(lines.length, 60);
    const conns = new Set(lines.map((l) => l.split(' ')[1]));
    assert.ok(conns.size <= 16, `60 requests used ${conns.size} connections (max 16 sockets)`);
    assert.ok(lines.some((l) => Number(l.split(' ')[2]) >= 3), 'some connection served several requests');
  });

  it('fails transiently while nginx is down and works again after it restarts; pool keeps the transfer', async () => {
    const pool = new TransferPool({ timeout: 5 });
    const t = await pool.get(nginx.url);
    assert.equal((await readAll(await t.getStream('/f1'))).toString(), 'file 1');
    await nginx.stop();
    await assert.rejects(t.getStream('/f1'), (e: unknown) => {
      assert.ok(e instanceof TransientError, String(e));
      assert.match(e.message, /ECONNREFUSED|reset|socket/i);
      return true;
    });
    await nginx.start();
    const again = await pool.get(nginx.url);
    assert.equal(again, t);
    assert.equal((await readAll(await again.getStream('/f1'))).toString(), 'file 1');
    await pool.closeAll();
  });

  it('times out against a frozen nginx and recovers after resume()', async () => {
    const t = await openTransfer(nginx.url, { timeout: 1 });
    await nginx.pause();
    try {
      const t0 = Date.now();
      await assert.rejects(t.getStream('/f2'), (e: unknown) => e instanceof TransientError && e.code === 'ERR_TIMEOUT');
      assert.ok(Date.now() - t0 < 4000);
    } finally {
      await nginx.resume();
    }
    assert.equal((await readAll(await t.getStream('/f2'))).toString(), 'file 2');
    await t.close();
  });

  it('honours limitRate (slow server) and still delivers every byte', async () => {
    const slowRoot = await mkdtemp(join(tmpdir(), 'sarra-slow-'));
    await writeFile(join(slowRoot, 'big'), Buffer.alloc(100_000));
    const slow = await startNginx({ root: slowRoot, limitRate: 40_000 });
    try {
      const t = await openTransfer(slow.url, { timeout: 5 });
      const t0 = Date.now();
      assert.equal((await readAll(await t.getStream('/big'))).length, 100_000);
      assert.ok(Date.now() - t0 > 1000, 'limit_rate slowed the download');
      await t.close();
    } finally {
      await slow.cleanup();
      await rm(slowRoot, { recursive: true, force: true });
    }
  });

  it('times out (TransientError ERR_TIMEOUT) when a server accepts but never answers', async () => {
    // fault injection: a loopback listener that reads the request and says nothing
    const sockets: net.Socket[] = [];
    const mute = net.createServer((s) => { sockets.push(s); s.on('error', () => undefined); });
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
    const port = (mute.address() as net.AddressInfo).port;
    try {
      const t = await openTransfer(`http://127.0.0.1:${port}/`, { timeout: 1 });
      const t0 = Date.now();
      await assert.rejects(t.getStream('/x'), (e: unknown) => e instanceof TransientError && e.code === 'ERR_TIMEOUT');
      assert.ok(Date.now() - t0 < 4000);
      await t.close();
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => mute.close(r));
    }
  });
});
