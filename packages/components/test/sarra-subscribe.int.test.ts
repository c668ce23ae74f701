// Integration (real RabbitMQ + nginx): two sources announce the sample tree -> sarra (nodupe) -> subscribe; ACCEPTANCE check 3.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { startNginx, type NginxHandle } from '@sarra/testkit/nginx';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { runInstance } from '../src/instance.js';
import { SAMPLE, declareExchanges, listFiles, noticesFor, publish, readMetrics, total, treeSums, waitFor } from './flowkit.js';

let v: TestVhost;
let home: TempHome;
let work: string;
let origin: NginxHandle;
let pump: NginxHandle;
const notReject = (rel: string): boolean => !rel.includes('reject/');

before(async () => {
  v = await withVhost('sarra-flow');
  home = await tempHome();
  work = await mkdtemp(join(tmpdir(), 'sarra-flow-'));
  await cp(SAMPLE, join(work, 'src'), { recursive: true });
  await mkdir(join(work, 'docroot'));
  origin = await startNginx({ root: join(work, 'src') });
  pump = await startNginx({ root: join(work, 'docroot') });
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  const broker = `broker amqp://guest@127.0.0.1:5672/${v.vhost}`;
  await home.writeConfig('sarra/download.conf', [
    broker, 'exchange xsarra', 'nodupe_ttl 300',
    `directory ${join(work, 'docroot')}`, 'mirror on',
    `post_broker amqp://guest@127.0.0.1:5672/${v.vhost}`, 'post_exchange xflow_public',
    `post_baseUrl ${pump.url}`, `post_baseDir ${join(work, 'docroot')}`, 'logLevel warning', '',
  ].join('\n'));
  await home.writeConfig('subscribe/amqp.conf', [
    broker, 'exchange xflow_public', `directory ${join(work, 'downloaded_by_sub')}`, 'mirror on', 'logLevel warning', '',
  ].join('\n'));
  await declareExchanges(v.url, ['xsarra', 'xflow_public']);
});

after(async () => {
  await origin?.cleanup();
  await pump?.cleanup();
  await v?.cleanup();
  await home?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

test('1,125 files from two sources: sarra downloads and re-announces each once, subscribe delivers identical trees', { timeout: 180_000 }, async () => {
  const ctl = new AbortController();
  const sarra = runInstance({ component: 'sarra', config: 'download', instance: 1, foreground: false, env: home.env, signal: ctl.signal });
  const sub = runInstance({ component: 'subscribe', config: 'amqp', instance: 1, foreground: false, env: home.env, signal: ctl.signal });
  try {
    await waitFor('both queues declared', async () => (await v.mgmt.queues(v.vhost)).length >= 2, 30_000);
    const notices = await noticesFor(join(work, 'src'), origin.url, notReject);
    assert.equal(notices.length, 1125);
    // sources A and B announce the same tree
    await publish(v.url, 'xsarra', notices);
    await publish(v.url, 'xsarra', notices.map((n) => ({ ...n })));
    await waitFor('subscribe to receive 1,125 files', async () => {
      const m = await readMetrics(home.cacheDir, 'subscribe', 'amqp');
      return total(m, 'transferredFiles') >= 1125;
    }, 120_000);
  } finally {
    ctl.abort();
    assert.equal(await sarra, 0);
    assert.equal(await sub, 0);
  }
  // metrics are written at stop: read the final counts
  const sm = await readMetrics(home.cacheDir, 'sarra', 'download');
  assert.equal(total(sm, 'received'), 2250);
  assert.equal(total(sm, 'duplicates'), 1125);
  assert.equal(total(sm, 'transferredFiles'), 1125);
  assert.equal(total(sm, 'posted'), 1125);
  assert.equal(total(sm, 'malformed'), 0);
  const want = await treeSums(join(work, 'src'), notReject);
  assert.deepEqual(await treeSums(join(work, 'downloaded_by_sub')), want);
  assert.deepEqual(await treeSums(join(work, 'docroot')), want);
  const subm = await readMetrics(home.cacheDir, 'subscribe', 'amqp');
  assert.equal(total(subm, 'transferredFiles'), 1125, 'each file downloaded exactly once');
  assert.equal(total(subm, 'mismatch'), 0);
  // no temporary names left anywhere
  const leftovers = (await listFiles(join(work, 'downloaded_by_sub'))).filter((f) => f.endsWith('.tmp'));
  assert.deepEqual(leftovers, []);
  // the queue name is persisted in the state dir (sr3 layout) and the queues are empty
  const state = await readdir(join(home.cacheDir, 'subscribe', 'amqp'));
  assert.ok(state.some((f) => f.endsWith('.qname')), state.join(' '));
  // management statistics lag a few seconds behind
  await waitFor('queues drained', async () => (await v.mgmt.queues(v.vhost)).every((q) => q.messages === 0), 20_000);
});
