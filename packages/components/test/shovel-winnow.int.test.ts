// Integration (real RabbitMQ): shovel converts v03 -> v02 by post_topicPrefix; winnow passes each file once (ACCEPTANCE 7);
// a bad configuration makes runInstance return 1 with file:line in the log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { nowTimestamp, type Notice } from '@sarra/message';
import { runInstance } from '../src/instance.js';
import { collector, declareExchanges, publish, readMetrics, total, waitFor } from './flowkit.js';

let v: TestVhost;
let home: TempHome;

before(async () => {
  v = await withVhost('sarra-shovel');
  home = await tempHome();
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  const broker = `amqp://guest@127.0.0.1:5672/${v.vhost}`;
  await home.writeConfig('shovel/s.conf', [`broker ${broker}`, 'exchange xa', `post_broker ${broker}`, 'post_exchange xb', 'post_topicPrefix v02.post', ''].join('\n'));
  await home.writeConfig('winnow/w.conf', [`broker ${broker}`, 'exchange xw', `post_broker ${broker}`, 'post_exchange xwo', ''].join('\n'));
  await home.writeConfig('winnow/bad.conf', [`broker ${broker}`, 'batch lots', ''].join('\n'));
  await declareExchanges(v.url, ['xa', 'xb', 'xw', 'xwo']);
});

after(async () => {
  await v?.cleanup();
  await home?.cleanup();
});

const notice = (i: number, value = `v${i}`): Notice => ({
  pubTime: nowTimestamp(), baseUrl: 'http://up/', relPath: `/20200105/WXO-DD/d${i % 3}/f${i}`, size: i,
  identity: { method: 'sha512', value: Buffer.from(value).toString('base64') },
});

async function running(component: string, config: string, fn: () => Promise<void>): Promise<void> {
  const ctl = new AbortController();
  const run = runInstance({ component, config, instance: 1, foreground: false, env: home.env, signal: ctl.signal });
  try {
    await waitFor(`${component} queue`, async () => (await v.mgmt.queues(v.vhost)).some((q) => q.name.includes(`.${component}.${config}.`) && q.consumers > 0), 30_000);
    await fn();
  } finally {
    ctl.abort();
    assert.equal(await run, 0);
  }
}

test('shovel re-posts every notice unchanged but as v02 when post_topicPrefix is v02.post', { timeout: 60_000 }, async () => {
  const out = await collector(v.url, 'xb');
  const sent = Array.from({ length: 20 }, (_, i) => notice(i));
  await running('shovel', 's', async () => {
    await publish(v.url, 'xa', sent);
    await waitFor('20 shovelled', () => out.decoded.length >= 20, 20_000);
  });
  await out.close();
  assert.equal(out.decoded.length, 20);
  for (const d of out.decoded) {
    assert.equal(d.format, 'v02');
    assert.match(d.topic, /^v02\.post\.20200105\.WXO-DD\.d[0-2]$/);
    const src = sent.find((n) => n.relPath === d.notice.relPath);
    assert.ok(src, d.notice.relPath);
    assert.equal(d.notice.baseUrl, 'http://up/');
    assert.deepEqual(d.notice.identity, src.identity);
  }
});

test('winnow passes each of two redundant announcements once; changed content passes again', { timeout: 60_000 }, async () => {
  const out = await collector(v.url, 'xwo');
  const a = Array.from({ length: 50 }, (_, i) => notice(i));
  await running('winnow', 'w', async () => {
    await publish(v.url, 'xw', a);
    await publish(v.url, 'xw', a.map((n) => ({ ...n, pubTime: nowTimestamp() })));
    await waitFor('50 out', () => out.decoded.length >= 50, 20_000);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(out.decoded.length, 50, 'duplicates suppressed');
    await publish(v.url, 'xw', [notice(7, 'changed')]);
    await waitFor('the changed file', () => out.decoded.length >= 51, 20_000);
  });
  await out.close();
  assert.equal(out.decoded.length, 51);
  assert.equal(new Set(out.decoded.slice(0, 50).map((d) => d.notice.relPath)).size, 50);
  const m = await readMetrics(home.cacheDir, 'winnow', 'w');
  assert.equal(total(m, 'duplicates'), 50);
  assert.equal(total(m, 'posted'), 51);
});

test('a configuration error makes the instance exit 1 and log file:line', async () => {
  const code = await runInstance({ component: 'winnow', config: 'bad', instance: 1, foreground: false, env: home.env });
  assert.equal(code, 1);
  const log = await readFile(join(home.cacheDir, 'log', 'winnow_bad_01.log'), 'utf8');
  assert.match(log, /bad\.conf:2/);
});
