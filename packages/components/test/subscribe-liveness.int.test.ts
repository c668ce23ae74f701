// Integration (real RabbitMQ, nginx, scripted origins): a slow or silent origin holds one transfer slot, never the
// instance (ACCEPTANCE 16); 20,000 notices for one path end as one file (issue 11, "same path, many notices").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { retryQueueFile, stateDir } from '@sarra/common';
import { timestampFromMs, type Notice } from '@sarra/message';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { startNginx, type NginxHandle } from '@sarra/testkit/nginx';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { runInstance } from '../src/instance.js';
import { declareExchanges, listFiles, logTails, noticesFor, publish, readMetrics, total, treeSums, waitFor } from './flowkit.js';

let v: TestVhost;
let home: TempHome;
let work: string;
let origin: NginxHandle;
/** The same tree served at 1 MiB/s: a 3 MiB file takes 3 s. */
let slowOrigin: NginxHandle;
let drip: http.Server;
let silent: net.Server;
const open = new Set<net.Socket>();
const DRIP_SIZE = 1000;
/** timeout 5 s, transferRateMin 100 B/s: the drip-fed 1000 bytes get 5 + 1000 / 100 = 15 s. */
const DEADLINE_S = 15;

const run = promisify(execFile);

/** Ready and unacked messages of the vhost's queues, from rabbitmqctl (the management API lags up to 5 s). */
async function depth(): Promise<{ ready: number; unacked: number }> {
  const { stdout } = await run('rabbitmqctl', ['list_queues', '-q', '-p', v.vhost, 'messages_ready', 'messages_unacknowledged', '--no-table-headers']);
  let ready = 0, unacked = 0;
  for (const line of stdout.trim().split('\n')) {
    const [r, u] = line.trim().split(/\s+/).map(Number);
    if (Number.isFinite(r) && Number.isFinite(u)) { ready += r!; unacked += u!; }
  }
  return { ready, unacked };
}

/**
 * The relPaths in an instance's download retry queue, read from its file (puts minus removals; read-only). A retry
 * re-put is in the file twice until the next get commits the removal of the first copy: each path is listed once.
 */
async function retryQueued(config: string): Promise<string[]> {
  const file = retryQueueFile(stateDir('subscribe', config, home.env), 'work', 1);
  const text = await readFile(file, 'utf8').catch(() => '');
  const live = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let rec: { id?: number; done?: number[]; item?: { notice: { relPath: string } } };
    try { rec = JSON.parse(line) as typeof rec; } catch { continue; }
    if (rec.done) for (const id of rec.done) live.delete(id);
    else if (rec.id !== undefined && rec.item) live.set(rec.id, rec.item.notice.relPath);
  }
  return [...new Set(live.values())].sort();
}

function sha512(b: Buffer): string {
  return createHash('sha512').update(b).digest('base64');
}

before(async () => {
  v = await withVhost('sarra-liveness');
  home = await tempHome();
  work = await mkdtemp(join(tmpdir(), 'sarra-liveness-'));
  await mkdir(join(work, 'src', 'good'), { recursive: true });
  for (let i = 0; i < 10; i++) await writeFile(join(work, 'src', 'good', `f${i}.txt`), `good file ${i}\n`.repeat(50 + i));
  await writeFile(join(work, 'src', 'one.txt'), 'the one file, as published last\n');
  await writeFile(join(work, 'src', 'three-mib.bin'), Buffer.alloc(3 << 20, 7));
  origin = await startNginx({ root: join(work, 'src') });
  slowOrigin = await startNginx({ root: join(work, 'src'), limitRate: 1 << 20 });
  // Content-Length 1000, then one byte every 2 s: no single read waits `timeout`, the whole takes 33 min
  drip = http.createServer((req, res) => {
    res.writeHead(200, { 'content-length': DRIP_SIZE });
    const t = setInterval(() => res.write('x'), 2000);
    req.socket.once('close', () => clearInterval(t));
  });
  // accepts connections and never says a word
  silent = net.createServer((s) => { open.add(s); s.on('error', () => {}); s.once('close', () => open.delete(s)); });
  await new Promise<void>((r) => drip.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  const broker = `amqp://guest@127.0.0.1:5672/${v.vhost}`;
  await home.writeConfig('subscribe/live.conf', [
    `broker ${broker}`, 'exchange xlive', `directory ${join(work, 'dl')}`, 'mirror on',
    'timeout 5', 'transferRateMin 100', 'logLevel info', '',
  ].join('\n'));
  await home.writeConfig('subscribe/grace.conf', [
    `broker ${broker}`, 'exchange xgrace', `directory ${join(work, 'grace')}`, 'mirror on', 'logLevel info', '',
  ].join('\n'));
  await home.writeConfig('subscribe/onepath.conf', [
    `broker ${broker}`, 'exchange xone', `directory ${join(work, 'one')}`, 'mirror on', 'logLevel warning', '',
  ].join('\n'));
  await declareExchanges(v.url, ['xlive', 'xone', 'xgrace']);
});

after(async () => {
  drip?.closeAllConnections();
  await new Promise((r) => drip?.close(r));
  for (const s of open) s.destroy();
  await new Promise((r) => silent?.close(r));
  await origin?.cleanup();
  await slowOrigin?.cleanup();
  await v?.cleanup();
  await home?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

test('a drip-feeding and a silent origin beside ten good notices: the good ones are delivered and acked at once, the slow ones end in the retry queue by their deadline', { timeout: 120_000 }, async (t) => {
  const ctl = new AbortController();
  const inst = runInstance({ component: 'subscribe', config: 'live', instance: 1, foreground: false, env: home.env, signal: ctl.signal });
  let stopped = false;
  void inst.then(() => { stopped = true; });
  const good = await noticesFor(join(work, 'src'), origin.url, (r) => r.startsWith('good/'));
  const body = Buffer.alloc(DRIP_SIZE, 'x');
  const slow = (url: string, relPath: string): Notice => ({
    pubTime: good[0]!.pubTime, baseUrl: url, relPath, size: DRIP_SIZE, identity: { method: 'sha512', value: sha512(body) },
  });
  const dripUrl = `http://127.0.0.1:${(drip.address() as AddressInfo).port}/`;
  const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
  const explain = async (): Promise<string> => `${JSON.stringify(await depth())}\n${await logTails(home.cacheDir, 30)}`;
  try {
    await waitFor('queue declared', async () => (await v.mgmt.queues(v.vhost)).some((q) => q.name.includes('subscribe.live')), 30_000);
    // the slow ones first: they take their slots before the good ones arrive
    await publish(v.url, 'xlive', [slow(dripUrl, '/slow/drip.bin'), slow(silentUrl, '/slow/silent.bin'), ...good]);
    const t0 = Date.now();
    const dl = join(work, 'dl');
    await waitFor('the ten good files delivered and acked, only the slow ones unacked', async () => {
      const have = new Set(await listFiles(dl).catch(() => [] as string[]));
      if (!good.every((n) => have.has(n.relPath.slice(1)))) return false;
      const d = await depth();
      return d.ready === 0 && d.unacked <= 2;
    }, 6000, explain);
    const goodAcked = (Date.now() - t0) / 1000;
    t.diagnostic(`good ones delivered and acked after ${goodAcked} s`);
    assert.ok(goodAcked < DEADLINE_S - 5, `the good ones did not wait for the slow ones (${goodAcked} s)`);
    assert.deepEqual(await treeSums(join(dl, 'good')), await treeSums(join(work, 'src', 'good')));
    await waitFor('both slow ones in the retry queue and acked', async () => {
      const q = await retryQueued('live');
      return q.length === 2 && (await depth()).unacked === 0;
    }, (DEADLINE_S + 10) * 1000, explain);
    const slowDone = (Date.now() - t0) / 1000;
    t.diagnostic(`slow ones in the retry queue, all acked after ${slowDone} s`);
    assert.ok(slowDone >= DEADLINE_S - 1 && slowDone < DEADLINE_S + 10, `the drip-fed one was given up at its deadline (${slowDone} s)`);
    assert.deepEqual(await retryQueued('live'), ['/slow/drip.bin', '/slow/silent.bin']);
    // nothing partial at the final paths
    assert.deepEqual((await listFiles(dl)).filter((f) => !f.startsWith('good/')), []);
    await waitFor('the metrics show both in the retry queue', async () => {
      const m = await readMetrics(home.cacheDir, 'subscribe', 'live');
      return m?.retry?.msgs_in_download_retry === 2 && total(m, 'failed') >= 2;
    }, 20_000, explain);
    const log = await readFile(join(home.cacheDir, 'log', 'subscribe_live_01.log'), 'utf8');
    if (process.env.DEBUG_LIVENESS) process.stderr.write(log);
    assert.match(log, /deadline exceeded after 15 s: \/slow\/drip\.bin/);
    // the silent one fails after `timeout` with no immediate second try, then waits out its origin's rest
    const silentFails = log.match(/transfer failed \d+ times?, queued for retry: \/slow\/silent\.bin: .*no data for 5 s/g) ?? [];
    assert.ok(silentFails.length >= 1 && silentFails.length <= 3, `tried once per rest, not per pass: ${silentFails.join(' | ')}`);
    assert.ok(silentFails.every((l) => l.startsWith('transfer failed 1 time,')), 'a stall ends the immediate tries');
    for (const u of [dripUrl, silentUrl]) {
      const o = u.replace(/\/$/, '');
      const rests = [...log.matchAll(new RegExp(`origin ${o} backed off (\\d+) s`, 'g'))].map((x) => Number(x[1]));
      assert.equal(rests[0], 5, `${o} backed off after its first stall`);
      assert.deepEqual(rests, rests.map((_, i) => 5 * 2 ** i), `${o}: logged once per rest, doubling (${rests.join(', ')})`);
    }
    assert.equal(stopped, false, 'the process stays up');
  } finally {
    ctl.abort();
    assert.equal(await inst, 0);
  }
  const m = await readMetrics(home.cacheDir, 'subscribe', 'live');
  assert.equal(total(m, 'transferredFiles'), good.length);
  assert.ok(total(m, 'failed') >= 2, `failed counted (${total(m, 'failed')})`);
});

test('20,000 notices for one path: one correct file, an empty retry queue, within a minute', { timeout: 180_000 }, async (t) => {
  const ctl = new AbortController();
  const inst = runInstance({ component: 'subscribe', config: 'onepath', instance: 1, foreground: false, env: home.env, signal: ctl.signal });
  const [one] = await noticesFor(join(work, 'src'), origin.url, (r) => r === 'one.txt');
  const base = Date.now() - 60_000;
  const notices: Notice[] = Array.from({ length: 20_000 }, (_, i) => ({ ...one!, pubTime: timestampFromMs(base + i) }));
  const explain = async (): Promise<string> => `${JSON.stringify(await depth())} retry=${(await retryQueued('onepath')).length}\n${await logTails(home.cacheDir, 20)}`;
  try {
    await waitFor('queue declared', async () => (await v.mgmt.queues(v.vhost)).some((q) => q.name.includes('subscribe.onepath')), 30_000);
    const t0 = Date.now();
    await publish(v.url, 'xone', notices);
    await waitFor('all 20,000 acked, the file there, the retry queue empty', async () => {
      const d = await depth();
      if (d.ready + d.unacked > 0) return false;
      const file = await readFile(join(work, 'one', 'one.txt'), 'utf8').catch(() => '');
      return file === 'the one file, as published last\n' && (await retryQueued('onepath')).length === 0;
    }, 60_000, explain);
    const took = (Date.now() - t0) / 1000;
    t.diagnostic(`20,000 notices drained in ${took} s`);
    assert.ok(took < 60, `drained in ${took} s`);
  } finally {
    ctl.abort();
    assert.equal(await inst, 0);
  }
  assert.deepEqual(await readdir(join(work, 'one')), ['one.txt'], 'one file, no temporary leftovers');
  assert.deepEqual(await retryQueued('onepath'), []);
  const m = await readMetrics(home.cacheDir, 'subscribe', 'onepath');
  assert.equal(total(m, 'received'), notices.length);
  const files = total(m, 'transferredFiles');
  t.diagnostic(`${files} transfers, ${total(m, 'duplicates')} superseded`);
  assert.ok(files >= 1 && files < 2000, `few transfers for 20,000 notices (${files})`);
  assert.equal(total(m, 'duplicates') + files, notices.length, 'every other notice counted as a duplicate (superseded)');
  assert.equal(total(m, 'failed'), 0);
  assert.equal(m?.retry?.msgs_in_download_retry, 0);
});

test('a stop lets a transfer in flight finish within the grace, and acks it: nothing comes back from the broker', { timeout: 60_000 }, async () => {
  const ctl = new AbortController();
  const inst = runInstance({ component: 'subscribe', config: 'grace', instance: 1, foreground: false, env: home.env, signal: ctl.signal });
  const [big] = await noticesFor(join(work, 'src'), slowOrigin.url, (r) => r === 'three-mib.bin');
  const dir = join(work, 'grace');
  try {
    await waitFor('queue declared', async () => (await v.mgmt.queues(v.vhost)).some((q) => q.name.includes('subscribe.grace')), 30_000);
    await publish(v.url, 'xgrace', [big!]);
    await waitFor('the download under way', async () => (await readdir(dir).catch(() => [] as string[])).includes('three-mib.bin.tmp'), 10_000);
  } finally {
    ctl.abort();
    assert.equal(await inst, 0);
  }
  assert.deepEqual(await readdir(dir), ['three-mib.bin'], 'finished within the grace');
  assert.deepEqual(await depth(), { ready: 0, unacked: 0 }, 'acked before the consumer closed');
  const log = await readFile(join(home.cacheDir, 'log', 'subscribe_grace_01.log'), 'utf8');
  assert.doesNotMatch(log, /handed back/);
});
