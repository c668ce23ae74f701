// MQTT brokers in a pump (issue 13 item 1; ACCEPTANCE check 3 with the broker switched to MQTT): post -> AMQP ->
// shovel -> MQTT -> subscribe delivers the sample tree identical; a shovel carries the same notices back from MQTT to
// AMQP; post -> MQTT -> subscribe delivers a directory identical. The MQTT broker is a private Mosquitto.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startMosquitto, type MosquittoHandle } from '@sarra/testkit/mosquitto';
import { pump, type Pump } from './lib/pump.js';
import { until } from './lib/drain.js';
import { inRejectDir, listTree, manifest, manifestDiff, type ManifestEntry } from './lib/manifest.js';
import { tap, type Tap } from './lib/tap.js';

const BAROMETRY = join('20200105', 'WXO-DD', 'barometry');

describe('MQTT: AMQP -> shovel -> MQTT -> subscribe, MQTT -> shovel -> AMQP, post -> MQTT -> subscribe', { timeout: 300_000 }, () => {
  let p: Pump;
  let m: MosquittoHandle;
  let back: Tap;
  let want: ManifestEntry[];
  let byPm: string;

  before(async () => {
    m = await startMosquitto();
    p = await pump({ name: 'mqtt', configs: ['post/a'], sshd: false });
    want = await manifest(p.src, inRejectDir);
    byPm = join(p.work, 'downloaded_by_pm');
    await p.writeConfig('shovel/tomq', [`broker ${p.broker}`, 'exchange xsarra', 'topicPrefix v03', 'subtopic #', 'expire 10m',
      `post_broker ${m.url}`, 'post_exchange xmq', 'accept .*']);
    await p.writeConfig('subscribe/mq', [`broker ${m.url}`, 'exchange xmq', 'topicPrefix v03', 'subtopic #', 'expire 10m',
      'instances 2', `directory ${p.bySub}`, 'mirror on', 'accept .*']);
    await p.writeConfig('shovel/back', [`broker ${m.url}`, 'exchange xmq', 'topicPrefix v03', 'subtopic #', 'expire 10m',
      `post_broker ${p.broker}`, 'post_exchange xback', 'accept .*']);
    await p.writeConfig('post/m', [`post_broker ${m.url}`, 'post_exchange xpm', 'post_topicPrefix v03', `post_baseUrl ${p.p1.url}`,
      `post_baseDir ${p.src}`, 'identity sha512', 'accept .*']);
    await p.writeConfig('subscribe/pm', [`broker ${m.url}`, 'exchange xpm', 'topicPrefix v03', 'subtopic 20200105.*.barometry.#',
      'expire 10m', `directory ${byPm}`, 'mirror on', 'accept .*']);
    // sr declare makes the MQTT sessions, subscribed: what is posted before the subscribers run waits for them
    await p.srOk(['declare']);
    back = await tap(p.vh.url, 'xback');
    await p.srOk(['start']);
    await until(p, 'every instance running', async () => (await p.status()).filter((r) => r.component !== 'post').every((r) => r.running === r.expected && r.running > 0), 30_000);
    await p.srOk(['post', '-c', 'post/a', p.src], 120_000);
    await p.srOk(['post', '-c', 'post/m', join(p.src, BAROMETRY)], 60_000);
    await until(p, 'downloaded_by_sub to hold the whole tree', async () => (await listTree(p.bySub)).length >= want.length, 150_000, 1000)
      .catch(() => undefined); // the tests say what is missing
    // the instances write their metrics on their own ticker (5 s): wait for both to have counted what is on disk
    await until(p, 'the subscriber metrics to count every file', async () => (await p.totals('subscribe', 'mq')).transferredFiles >= want.length, 20_000, 500)
      .catch(() => undefined);
    const pm = (await listTree(join(p.src, BAROMETRY))).length;
    await until(p, 'downloaded_by_pm to hold the posted directory', async () => (await listTree(join(byPm, BAROMETRY))).length >= pm, 60_000, 1000)
      .catch(() => undefined);
    await until(p, 'the back shovel to carry every notice', () => back.messages.length >= want.length, 30_000).catch(() => undefined);
  });

  after(async () => {
    await back?.close();
    await p?.cleanup();
    await m?.cleanup();
  });

  test('the subscriber over MQTT (2 instances, one shared subscription) delivers the sample tree identical, each file once', async () => {
    const got = await manifest(p.bySub);
    assert.ok(JSON.stringify(got) === JSON.stringify(want), manifestDiff(got, want));
    const t = await p.totals('subscribe', 'mq');
    assert.deepEqual({ received: t.received, files: t.transferredFiles, malformed: t.malformed }, { received: 1125, files: 1125, malformed: 0 });
    const s = await p.totals('shovel', 'tomq');
    assert.equal(s.posted, 1125, 'the AMQP -> MQTT shovel published every notice');
  });

  test('the MQTT -> AMQP shovel republishes every notice, as v03 under its directory topic', () => {
    assert.equal(back.messages.length, 1125);
    const sums = new Map(want);
    for (const msg of back.messages) {
      assert.equal(msg.decoded?.format, 'v03', msg.error);
      const n = msg.decoded!.notice;
      assert.ok(sums.has(n.relPath), n.relPath);
      assert.equal(msg.routingKey, ['v03', ...n.relPath.split('/').slice(0, -1)].join('.'));
    }
  });

  test('post -> MQTT -> subscribe: the posted directory arrives identical', async () => {
    const got = await manifest(join(byPm, BAROMETRY));
    const src = await manifest(join(p.src, BAROMETRY));
    assert.ok(src.length > 100);
    assert.ok(JSON.stringify(got) === JSON.stringify(src), manifestDiff(got, src));
  });
});
