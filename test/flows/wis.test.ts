// WIS2 notification messages over AMQP (issue 13 item 2): post v03 -> shovel/wis (post_format wis) -> subscribe/wis
// downloads each file from the canonical link into topic/data_id, identical to the source.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pump, type Pump } from './lib/pump.js';
import { drain } from './lib/drain.js';
import { manifest } from './lib/manifest.js';
import { startPump } from './lib/start.js';
import { tap, type Tap } from './lib/tap.js';

const TOPIC = 'origin.a.wis2.ca-test-centre.data.core.weather.surface-based-observations.synop';
const FILES = 24;

describe('wis: a shovel posts WIS2 notification messages, a subscriber downloads from them', { timeout: 180_000 }, () => {
  let p: Pump;
  let out: Tap;

  before(async () => {
    p = await pump({ name: 'wis', configs: ['post/a'], sshd: false, copySample: false });
    for (let i = 0; i < FILES; i++) {
      const dir = join(p.src, `d${i % 3}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, `SMCA${String(i).padStart(2, '0')}_CWAO_${i}.bufr4`), `BUFR ${i} `.repeat(100 + i));
    }
    await p.writeConfig('shovel/wis', [`broker ${p.broker}`, 'exchange xsarra', 'topicPrefix v03', 'subtopic #', 'expire 10m',
      `post_broker ${p.broker}`, 'post_exchange xwis', 'post_format wis', `post_topicPrefix ${TOPIC}`, 'accept .*']);
    await p.writeConfig('subscribe/wis', [`broker ${p.broker}`, 'exchange xwis', `topicPrefix ${TOPIC}`, 'subtopic #',
      'expire 10m', `directory ${p.bySub}`, 'mirror on', 'accept .*']);
    await startPump(p);
    out = await tap(p.vh.url, 'xwis');
    await p.srOk(['post', '-c', 'post/a', p.src], 60_000);
    await drain(p, { timeoutMs: 90_000 });
  });
  after(async () => { await out?.close(); await p?.cleanup(); });

  test('the shovel publishes application/geo+json WNMs on the WIS2 topic, in sr3 layout', () => {
    assert.equal(out.messages.length, FILES, 'one WNM per file');
    for (const m of out.messages) {
      assert.equal(m.contentType, 'application/geo+json');
      assert.equal(m.routingKey, TOPIC);
      assert.equal(m.headers && Object.keys(m.headers).length ? m.headers : undefined, undefined, 'no headers');
      assert.equal(m.decoded?.format, 'wis', m.error);
      const n = m.decoded!.notice;
      assert.match(String(n.data_id), /^d[0-2]\/SMCA\d\d_CWAO_\d+\.bufr4$/);
      assert.equal(n.identity?.method, 'sha512');
      assert.ok(typeof n.size === 'number' && n.size > 0);
    }
  });

  test('the subscriber downloads every file into topic/data_id, identical to the source', async () => {
    const got = await manifest(join(p.bySub, ...TOPIC.split('.')));
    assert.deepEqual(got, await manifest(p.src));
    assert.equal(got.length, FILES);
    const t = await p.totals('subscribe', 'wis');
    assert.deepEqual({ received: t.received, malformed: t.malformed, files: t.transferredFiles }, { received: FILES, malformed: 0, files: FILES });
  });
});
