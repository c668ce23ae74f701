// test: alone (asserts deadlines of slow transfers)
// ACCEPTANCE check 16: an origin that drips bytes and one that never answers hold one transfer slot each until
// their deadline; every other notice of the flow is delivered and acked meanwhile, and the slow ones end in the
// retry queue (not lost, not holding the broker queue).
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { nowTimestamp } from '@sarra/message';
import { pump, type Pump } from './lib/pump.js';
import { queueDepth, until } from './lib/drain.js';
import { inRejectDir, listTree } from './lib/manifest.js';
import { startPump } from './lib/start.js';
import { noticeOf, publishAll } from './lib/inject.js';

/** The sarra's per-read timeout (s): with transferRateMin 1 KiB/s a 1,000-byte drip gets timeout + 1 s in all. */
const TIMEOUT_S = 6;

describe('check 16: slow and silent origins', { timeout: 180_000 }, () => {
  let p: Pump;
  let drip: http.Server;
  let silent: net.Server;
  const sockets = new Set<net.Socket>();
  let goodCount = 0;
  let goodAt = 0, queueEmptyAt = 0, slowInRetryAt = 0;
  let retryAfter = 0;
  const t0 = { ms: 0 };

  before(async () => {
    p = await pump({ name: 'slow', configs: ['sarra/download'], sshd: false, extra: { 'sarra/download': [`timeout ${TIMEOUT_S}`] } });
    // drips: announces 1000 bytes, then sends one every 2 s
    drip = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-length': '1000', 'content-type': 'application/octet-stream' });
      const t = setInterval(() => res.write('x'), 2000);
      res.on('close', () => clearInterval(t));
    });
    drip.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
    // accepts the connection, never says a word
    silent = net.createServer((s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => {}); });
    await new Promise<void>((r) => drip.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    await startPump(p);
    const rels = (await listTree(p.src)).filter((r) => !inRejectDir(r)).slice(0, 40);
    const good = await Promise.all(rels.map((r) => noticeOf(p.src, r, p.p1.url)));
    goodCount = good.length;
    const t = nowTimestamp();
    const slow = [
      { pubTime: t, baseUrl: `http://127.0.0.1:${(drip.address() as AddressInfo).port}/`, relPath: 'slow/drip.bin', size: 1000 },
      { pubTime: t, baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, relPath: 'slow/silent.bin', size: 1000 },
    ];
    t0.ms = Date.now();
    // the slow ones first, so they are in the first batch with the good ones
    await publishAll(p.vh.url, 'xsarra', [...slow, ...good]);
    await until(p, 'the good files delivered', async () => (await listTree(p.docroot)).filter((f) => !f.startsWith('slow/')).length >= goodCount, 60_000, 200);
    goodAt = Date.now() - t0.ms;
    await until(p, 'the broker queue empty (everything acked)', async () => (await queueDepth(p)).total === 0, 60_000, 200);
    queueEmptyAt = Date.now() - t0.ms;
    await until(p, 'both slow notices in the retry queue', async () => ((await p.status()).find((r) => r.component === 'sarra')?.retry ?? 0) >= 2, 90_000, 500);
    slowInRetryAt = Date.now() - t0.ms;
    retryAfter = (await p.status()).find((r) => r.component === 'sarra')!.retry;
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    drip?.close();
    silent?.close();
    await p?.cleanup();
  });

  test('every good notice is delivered while the slow origins hold their slots', async () => {
    const files = await listTree(p.docroot);
    assert.equal(files.filter((f) => !f.startsWith('slow/')).length, goodCount);
    assert.deepEqual(files.filter((f) => f.startsWith('slow/')), [], 'nothing of the slow files at a final or temporary name');
    // generous bound: the good ones must not wait for the slow ones' deadline (timeout + size / transferRateMin)
    assert.ok(goodAt < (TIMEOUT_S + 1) * 1000, `good files delivered after ${goodAt} ms, before the slow ones' deadline`);
  });

  test('the slow notices end in the retry queue within their deadline; the broker queue holds nothing', async () => {
    assert.equal(retryAfter, 2, `both slow notices queued for retry (seen after ${slowInRetryAt} ms)`);
    assert.ok(queueEmptyAt < 60_000, 'all acked');
    // what the operator reads: each slow transfer was cut at its deadline (timeout + 1000 B at 1 KiB/s) and queued
    const log = await p.logText('sarra', 'download');
    const at = (re: RegExp): number => {
      const line = log.split('\n').find((l) => re.test(l));
      assert.ok(line, `a log line matching ${re}`);
      return Date.parse(line.slice(0, 23).replace(' ', 'T') + 'Z');
    };
    for (const name of ['drip', 'silent']) {
      const took = at(new RegExp(`queued for retry: slow/${name}\\.bin`)) - at(new RegExp(`accepted: .*slow/${name}\\.bin`));
      assert.ok(took <= (TIMEOUT_S + 1) * 1000 + 1500, `${name}: queued for retry ${took} ms after it was accepted`);
    }
    const t = await p.totals('sarra', 'download');
    assert.equal(t.transferredFiles, goodCount);
    assert.ok(t.failed >= 2, `the slow ones counted as failed (${t.failed})`);
  });
});
