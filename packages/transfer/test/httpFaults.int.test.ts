// Integration: http driver protocol behaviour against a scripted node:http server on loopback
// (faults nginx will not produce): redirects, auth headers, servers that ignore Range, 5xx, resets.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ConnectionLostError, PermanentError, TransientError } from '@sarra/common';
import { openTransfer } from '@sarra/transfer';

async function readAll(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

const BODY = Buffer.from('0123456789abcdefghij');

describe('http driver protocol faults', () => {
  let server: http.Server;
  let base = '';
  const seen: { url: string; auth?: string; range?: string }[] = [];
  /** When the server saw the connection of a /drip request close (ms since epoch). */
  let dripClosed = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      const url = req.url ?? '/';
      seen.push({ url, auth: req.headers.authorization, range: req.headers.range });
      const hop = /^\/hop\/(\d+)$/.exec(url);
      if (hop) {
        const n = Number(hop[1]);
        res.writeHead(302, { location: n > 0 ? `/hop/${n - 1}` : '/plain' }).end();
      } else if (url === '/plain') {
        res.writeHead(200, { 'content-length': BODY.length }).end(BODY);
      } else if (url === '/elsewhere') {
        res.writeHead(301, { location: `http://localhost:${(server.address() as AddressInfo).port}/plain` }).end();
      } else if (url === '/flaky') {
        // answers the first request of a connection, hangs up on the next one (a keep-alive race)
        const sock = req.socket as typeof req.socket & { served?: number };
        sock.served = (sock.served ?? 0) + 1;
        if (sock.served > 1) sock.destroy();
        else res.writeHead(200, { 'content-length': BODY.length }).end(BODY);
      } else if (url === '/gone') {
        res.writeHead(410).end();
      } else if (url === '/forbidden') {
        res.writeHead(403).end();
      } else if (url === '/busy') {
        res.writeHead(503).end();
      } else if (url === '/drip') {
        // Content-Length 1000, then one byte every 100 ms: no read ever times out
        res.writeHead(200, { 'content-length': 1000 });
        const t = setInterval(() => res.write('x'), 100);
        req.socket.once('close', () => { clearInterval(t); dripClosed = Date.now(); });
      } else if (url === '/silent') {
        // accepts the request and never answers
      } else if (url === '/reset') {
        res.writeHead(200, { 'content-length': 1000 });
        res.write('partial');
        setTimeout(() => req.socket.destroy(), 20);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('follows up to 5 redirects and refuses the 6th', async () => {
    const t = await openTransfer(base);
    assert.deepEqual(await readAll(await t.getStream('/hop/4')), BODY);
    await assert.rejects(t.getStream('/hop/5'), (e: unknown) => e instanceof TransientError && /redirects/.test(e.message));
    await t.close();
  });

  it('skips bytes itself when the server ignores Range', async () => {
    const t = await openTransfer(base);
    assert.equal((await readAll(await t.getStream('/plain', { offset: 7 }))).toString(), '789abcdefghij');
    assert.equal(seen.at(-1)?.range, 'bytes=7-');
    await t.close();
  });

  it('sends the bearer token, or Basic from the URL, and drops it on a redirect to another origin', async () => {
    const t = await openTransfer(base, { details: { bearer_token: 's3cret' } });
    await readAll(await t.getStream('/plain'));
    assert.equal(seen.at(-1)?.auth, 'Bearer s3cret');
    await readAll(await t.getStream('/elsewhere'));
    assert.equal(seen.at(-1)?.url, '/plain');
    assert.equal(seen.at(-1)?.auth, undefined, 'no credentials sent to localhost after a redirect from 127.0.0.1');
    await t.close();
    const bt = await openTransfer(base, { details: { bt: 'short' } });
    await readAll(await bt.getStream('/plain'));
    assert.equal(seen.at(-1)?.auth, 'Bearer short');
    await bt.close();
    const basic = await openTransfer(base.replace('http://', 'http://user:p%40ss@'));
    await readAll(await basic.getStream('/plain'));
    assert.equal(seen.at(-1)?.auth, `Basic ${Buffer.from('user:p@ss').toString('base64')}`);
    await basic.close();
  });

  it('resends a GET once when a kept-alive socket turns out closed', async () => {
    const t = await openTransfer(base);
    assert.deepEqual(await readAll(await t.getStream('/flaky')), BODY);
    assert.deepEqual(await readAll(await t.getStream('/flaky')), BODY); // reused socket hangs up -> new socket
    await t.close();
  });

  it('classifies statuses: 410 -> 404 permanent, 403 -> 499 permanent, 503 -> transient', async () => {
    const t = await openTransfer(base);
    await assert.rejects(t.getStream('/gone'), (e: unknown) => e instanceof PermanentError && e.reportCode === 404);
    await assert.rejects(t.getStream('/forbidden'), (e: unknown) => e instanceof PermanentError && e.reportCode === 499);
    await assert.rejects(t.getStream('/busy'), (e: unknown) => e instanceof TransientError && !(e instanceof PermanentError));
    await t.close();
  });

  it('surfaces a connection reset mid-body as a stream error, without crashing', async () => {
    const t = await openTransfer(base);
    const s = await t.getStream('/reset');
    await assert.rejects(readAll(s), (e: unknown) => {
      // a raw node error: classifyError() tells the engine to retry
      assert.match(String((e as Error).message), /aborted|reset|socket|premature/i);
      return true;
    });
    await t.close();
  });

  it('reports a refused connection as ConnectionLostError', async () => {
    const t = await openTransfer('http://127.0.0.1:1/');
    await assert.rejects(t.getStream('/x'), ConnectionLostError);
    await t.close();
  });

  it('an abort mid-body (a drip-feeding server) ends the read and closes the socket at once', async () => {
    for (const sizeHint of [undefined, 64 << 20]) {
      // small bodies on the pooled client, big ones on the raw socket: both close the connection
      const t = await openTransfer(base);
      const ac = new AbortController();
      dripClosed = 0;
      const s = await t.getStream('/drip', { signal: ac.signal, sizeHint });
      setTimeout(() => ac.abort(new TransientError('deadline exceeded', { code: 'ERR_DEADLINE' })), 300);
      const t0 = Date.now();
      await assert.rejects(readAll(s));
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(dripClosed > 0 && dripClosed - t0 < 1000, `the server saw the socket close (sizeHint ${sizeHint})`);
      await t.close();
    }
  });

  it('an abort while a silent server keeps the request waiting rejects at once, with the reason', async () => {
    const t = await openTransfer(base, { timeout: 30 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(new TransientError('deadline exceeded', { code: 'ERR_DEADLINE' })), 200);
    const t0 = Date.now();
    await assert.rejects(t.getStream('/silent', { signal: ac.signal }), TransientError);
    assert.ok(Date.now() - t0 < 2000);
    await t.close();
  });

  it('a silent server fails after `timeout` with ERR_TIMEOUT (what the engine backs off)', async () => {
    const t = await openTransfer(base, { timeout: 0.3 });
    await assert.rejects(t.getStream('/silent'), (e: unknown) => e instanceof TransientError && e.code === 'ERR_TIMEOUT');
    await t.close();
  });

  it('aborts a request on signal', async () => {
    const t = await openTransfer(base);
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(t.getStream('/plain', { signal: ac.signal }), TransientError);
    await t.close();
  });
});
