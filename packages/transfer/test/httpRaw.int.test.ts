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
import { openTransfer } from '@sarra/transfer';
import { RAW_MIN } from '../src/http.js';

async function readAll(s: Readable): Promise<{ buf: Buffer }> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return { buf: Buffer.concat(parts) };
}

type Get = (path: string, opts: { sizeHint?: number; offset?: number }) => Promise<Readable>;

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
      const r = await readAll(await get('/moved', { sizeHint: RAW_MIN }));
      assert.equal(r.buf.toString(), 'hello');
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
