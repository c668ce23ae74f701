// Integration (real RabbitMQ + nginx): the log says "published:" only for what was published. A subscribe
// without post_broker downloads and logs no "published:" line; a shovel without post_broker publishes on its
// own broker (sr3) and logs one per notice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { startNginx, type NginxHandle } from '@sarra/testkit/nginx';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { runInstance } from '../src/instance.js';
import { collector, declareExchanges, logTails, noticesFor, publish, readMetrics, total, waitFor } from './flowkit.js';

let v: TestVhost;
let home: TempHome;
let work: string;
let origin: NginxHandle;

before(async () => {
  v = await withVhost('log-published');
  home = await tempHome();
  work = await mkdtemp(join(tmpdir(), 'sarra-logpub-'));
  await mkdir(join(work, 'src'));
  for (const n of ['a.txt', 'b.txt', 'c.txt']) await writeFile(join(work, 'src', n), `${n} body\n`);
  origin = await startNginx({ root: join(work, 'src') });
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  const broker = `broker amqp://guest@127.0.0.1:5672/${v.vhost}`;
  await home.writeConfig('subscribe/quiet.conf', [broker, 'exchange xlogpub', `directory ${join(work, 'got')}`, 'accept .*', ''].join('\n'));
  await home.writeConfig('shovel/relay.conf', [broker, 'exchange xlogpub', 'post_exchange xlogpub_out', 'accept .*', ''].join('\n'));
  await declareExchanges(v.url, ['xlogpub', 'xlogpub_out']);
});

after(async () => {
  await origin?.cleanup();
  await v?.cleanup();
  await home?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

async function log(component: string, config: string): Promise<string[]> {
  return (await readFile(join(home.cacheDir, 'log', `${component}_${config}_01.log`), 'utf8')).split('\n');
}

test('a subscribe without post_broker logs no "published:"; a shovel publishing on its broker logs each', { timeout: 90_000 }, async () => {
  const out = await collector(v.url, 'xlogpub_out');
  const ctl = new AbortController();
  const sub = runInstance({ component: 'subscribe', config: 'quiet', instance: 1, foreground: false, env: home.env, signal: ctl.signal });
  const shovel = runInstance({ component: 'shovel', config: 'relay', instance: 1, foreground: false, env: home.env, signal: ctl.signal });
  try {
    await waitFor('both queues declared', async () => (await v.mgmt.queues(v.vhost)).length >= 2, 30_000);
    await publish(v.url, 'xlogpub', await noticesFor(join(work, 'src'), origin.url));
    await waitFor('3 downloads and 3 relayed notices', async () =>
      total(await readMetrics(home.cacheDir, 'subscribe', 'quiet'), 'transferredFiles') >= 3 && out.got.length >= 3,
    30_000, () => logTails(home.cacheDir));
  } finally {
    ctl.abort();
    assert.equal(await sub, 0);
    assert.equal(await shovel, 0);
    await out.close();
  }
  const subLog = await log('subscribe', 'quiet');
  assert.equal(subLog.filter((l) => l.includes('downloaded to:')).length, 3, subLog.join('\n'));
  assert.deepEqual(subLog.filter((l) => l.includes('published:')), [], 'nothing was published');
  const shovelLog = await log('shovel', 'relay');
  const published = shovelLog.filter((l) => l.includes('published: xlogpub_out v03 /'));
  assert.equal(published.length, 3, shovelLog.join('\n'));
});
