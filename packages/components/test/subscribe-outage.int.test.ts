// Integration (real RabbitMQ + nginx): HTTP origin down then up, broker connections cut mid-flow (ACCEPTANCE 9, 11).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withVhost, closeAllConnections, type TestVhost } from '@sarra/testkit/rabbit';
import { startNginx, type NginxHandle } from '@sarra/testkit/nginx';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import type { Notice } from '@sarra/message';
import { runInstance } from '../src/instance.js';
import { SAMPLE, declareExchanges, listFiles, noticesFor, publish, readMetrics, total, treeSums, waitFor } from './flowkit.js';

let v: TestVhost;
let home: TempHome;
let work: string;
let origin: NginxHandle;
let notices: Notice[];
const notReject = (rel: string): boolean => !rel.includes('reject/');

before(async () => {
  v = await withVhost('sarra-outage');
  home = await tempHome();
  work = await mkdtemp(join(tmpdir(), 'sarra-outage-'));
  await cp(SAMPLE, join(work, 'src'), { recursive: true });
  origin = await startNginx({ root: join(work, 'src') });
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  for (const name of ['http', 'amqp']) {
    await home.writeConfig(`subscribe/${name}.conf`, [
      `broker amqp://guest@127.0.0.1:5672/${v.vhost}`, `exchange x${name}`, `directory ${join(work, name)}`, 'mirror on',
      'attempts 2', `logLevel ${process.env.DEBUG_OUTAGE ? 'debug' : 'critical'}`, 'logEvents on_housekeeping', '',
    ].join('\n'));
  }
  await declareExchanges(v.url, ['xhttp', 'xamqp']);
  notices = await noticesFor(join(work, 'src'), origin.url, notReject);
});

after(async () => {
  await origin?.cleanup();
  await v?.cleanup();
  await home?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

const count = async (dir: string): Promise<number> => (await listFiles(dir).catch(() => [] as string[])).length;

test('HTTP origin down mid-flow: nothing partial at final paths, the process stays up, everything arrives once after restart', { timeout: 180_000 }, async () => {
  const ctl = new AbortController();
  const dir = join(work, 'http');
  const run = runInstance({ component: 'subscribe', config: 'http', instance: 1, foreground: false, env: home.env, signal: ctl.signal });
  let stopped = false;
  void run.then(() => { stopped = true; });
  try {
    await origin.start();
    await waitFor('queue declared', async () => (await v.mgmt.queues(v.vhost)).some((q) => q.name.includes('subscribe.http')), 30_000);
    await publish(v.url, 'xhttp', notices.slice(0, 300));
    await waitFor('first 300 files', async () => (await count(dir)) >= 300, 60_000);
    await origin.stop();
    await publish(v.url, 'xhttp', notices.slice(300));
    await new Promise((r) => setTimeout(r, 4000));
    const during = await listFiles(dir);
    const first = new Set(notices.slice(0, 300).map((n) => n.relPath.slice(1)));
    assert.deepEqual(during.filter((f) => !first.has(f)), [], 'nothing new appears while the origin is down');
    assert.deepEqual(during.filter((f) => f.endsWith('.tmp')), [], 'no temporary file left behind');
    assert.equal(stopped, false, 'the process stays up');
    await origin.start();
    await waitFor('all 1,125 files after the origin is back', async () => (await count(dir)) >= 1125, 120_000);
  } finally {
    ctl.abort();
    assert.equal(await run, 0);
  }
  assert.deepEqual(await treeSums(dir), await treeSums(join(work, 'src'), notReject));
  const m = await readMetrics(home.cacheDir, 'subscribe', 'http');
  assert.equal(total(m, 'transferredFiles'), 1125, 'each file transferred once');
  assert.equal((m?.retry as Record<string, number>).msgs_in_download_retry, 0, 'retry queue empty');
});

test('broker connections cut mid-flow: the subscriber reconnects and the tree is complete', { timeout: 180_000 }, async () => {
  const ctl = new AbortController();
  const dir = join(work, 'amqp');
  const run = runInstance({ component: 'subscribe', config: 'amqp', instance: 1, foreground: false, env: home.env, signal: ctl.signal });
  try {
    await origin.start();
    await waitFor('queue declared', async () => (await v.mgmt.queues(v.vhost)).some((q) => q.name.includes('subscribe.amqp')), 30_000);
    await publish(v.url, 'xamqp', notices);
    await waitFor('some files', async () => (await count(dir)) >= 50, 60_000);
    assert.ok(await closeAllConnections(v.vhost) >= 1);
    await waitFor('all 1,125 files after reconnecting', async () => (await count(dir)) >= 1125, 120_000);
    await waitFor('queue drained', async () => (await v.mgmt.queues(v.vhost)).every((q) => q.messages === 0), 60_000);
  } catch (err: unknown) {
    if (process.env.DEBUG_OUTAGE) {
      process.stderr.write(JSON.stringify(await v.mgmt.queues(v.vhost)) + '\n');
      process.stderr.write(await readFile(join(home.cacheDir, 'log', 'subscribe_amqp_01.log'), 'utf8'));
    }
    throw err;
  } finally {
    ctl.abort();
    assert.equal(await run, 0);
  }
  const files = await listFiles(dir);
  assert.deepEqual(files.filter((f) => f.endsWith('.tmp')), []);
  assert.deepEqual(await treeSums(dir), await treeSums(join(work, 'src'), notReject));
  const m = await readMetrics(home.cacheDir, 'subscribe', 'amqp');
  assert.ok(total(m, 'transferredFiles') >= 1125);
  assert.ok(((m?.['gather.message'] as Record<string, number>)?.disconnectCount ?? 0) >= 0);
});
