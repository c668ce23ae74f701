// Integration: big http bodies on the raw-socket path (sizeHint >= RAW_MIN) against a real nginx, and the
// fallbacks: 404, redirect and a truncated body from a loopback server that lies about Content-Length.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { PermanentError } from '@sarra/common';
import { startNginx } from '@sarra/testkit/nginx';
import type { NginxHandle } from '@sarra/testkit/nginx';
import { openTransfer, type ReadTarget } from '@sarra/transfer';
import { RAW_MIN } from '../src/http.js';

async function readAll(s: Readable): Promise<{ buf: Buffer }> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return { buf: Buffer.concat(parts) };
}

type Get = (path: string, opts: { sizeHint?: number; offset?: number; into?: ReadTarget }) => Promise<Readable>;

/**
 * A ReadTarget of 100 KiB spaces that asks to stop reading every 5th time bytes land and resumes a
 * little later (as a download waiting for its writes does). Records what it got.
 */
class TestTarget implements ReadTarget {
  readonly parts: Buffer[] = [];
  stops = 0;
  resume?: () => void;
  private space_ = Buffer.alloc(0);
  private lands = 0;
  space(): Uint8Array {
    this.space_ = Buffer.alloc(100 * 1024);
    return this.space_;
  }
  landed(n: number): boolean {
    this.parts.push(Buffer.from(this.space_.subarray(0, n)));
    if (++this.lands % 5 !== 0) return true;
    this.stops++;
    setTimeout(() => this.resume?.(), 2);
    return false;
  }
}

/** Resolves when `s` ends, with the number of 'data' events it emitted. */
function drain(s: Readable): Promise<number> {
  return new Promise((resolve, reject) => {
    let events = 0;
    s.on('data', () => events++);
    s.once('end', () => resolve(events));
    s.once('error', reject);
  });
}

describe('http raw-socket path for big bodies', () => {
  let root = '';
  let nginx: NginxHandle;
  const body = randomBytes(RAW_MIN + 123_457);

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'sarra-httpraw-'));
    await writeFile(join(root, 'big.bin'), body);
    nginx = await startNginx({ root });
  });
  after(async () => {
    await nginx?.cleanup();
    await rm(root, { recursive: true, force: true });
  });

  it('reads the whole body with the same bytes, also from an offset (206)', async () => {
    const t = await openTransfer(nginx.url);
    try {
      const get = t.getStream.bind(t) as Get;
      const r = await readAll(await get('/big.bin', { sizeHint: body.length }));
      assert.equal(createHash('sha512').update(r.buf).digest('hex'), createHash('sha512').update(body).digest('hex'));
      const tail = await readAll(await get('/big.bin', { sizeHint: body.length, offset: 1_000_000 }));
      assert.deepEqual(tail.buf, body.subarray(1_000_000));
    } finally { await t.close(); }
  });

  it('with a ReadTarget the body lands in its buffers (no data event), pausing when it asks, also from an offset', async () => {
    const t = await openTransfer(nginx.url);
    try {
      const get = t.getStream.bind(t) as Get;
      for (const offset of [0, 1_000_000]) {
        const into = new TestTarget();
        const events = await drain(await get('/big.bin', { sizeHint: body.length, offset, into }));
        assert.equal(events, 0);
        assert.ok(into.stops > 0, 'the target asked to stop reading and was resumed');
        assert.ok(Buffer.concat(into.parts).equals(body.subarray(offset)), `offset ${offset}: the same bytes`);
      }
    } finally { await t.close(); }
  });

  it('a 404 falls back to the regular client and is reported as such', async () => {
    const t = await openTransfer(nginx.url);
    try {
      const get = t.getStream.bind(t) as Get;
      await assert.rejects(get('/missing.bin', { sizeHint: RAW_MIN }), (e: unknown) => e instanceof PermanentError && e.reportCode === 404);
    } finally { await t.close(); }
  });

  it('a body cut short errors the stream (never a short file passed as whole)', async () => {
    const srv = net.createServer((s) => {
      s.on('error', () => {});
      s.once('data', () => {
        s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${RAW_MIN + 10}\r\n\r\n`);
        s.end(Buffer.alloc(1000));
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    const t = await openTransfer(`http://127.0.0.1:${port}/`);
    try {
      const get = t.getStream.bind(t) as Get;
      const s = await get('/x', { sizeHint: RAW_MIN + 10 });
      await assert.rejects(readAll(s), /bytes missing/);
      const into = new TestTarget();
      await assert.rejects(drain(await get('/x', { sizeHint: RAW_MIN + 10, into })), /bytes missing/);
      assert.equal(Buffer.concat(into.parts).length, 1000);
    } finally {
      await t.close();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  it('a redirect or a chunked answer falls back to the regular client', async () => {
    const heads: string[] = [];
    const srv = net.createServer((s) => {
      s.on('error', () => {});
      s.once('data', (d) => {
        heads.push(d.toString('latin1'));
        const path = d.toString('latin1').split(' ')[1];
        if (path === '/moved') s.end(`HTTP/1.1 302 Found\r\nLocation: /chunked\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
        else s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    const t = await openTransfer(`http://127.0.0.1:${port}/`);
    try {
      const get = t.getStream.bind(t) as Get;
      const into = new TestTarget();
      const r = await readAll(await get('/moved', { sizeHint: RAW_MIN, into }));
      assert.equal(r.buf.toString(), 'hello', 'the regular client ignores the target: data events');
      assert.equal(into.parts.length, 0);
      // first the raw path (its own connection), then the regular keep-alive client for the redirect
      assert.match(heads[0] ?? '', /^GET \/moved HTTP\/1\.1\r\n[^]*Connection: close\r\n/);
      assert.match(heads[1] ?? '', /^GET \/moved /);
      assert.match(heads[1] ?? '', /connection: keep-alive/i);
    } finally {
      await t.close();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});
