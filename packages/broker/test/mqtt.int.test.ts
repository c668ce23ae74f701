// Integration: MQTT consume/publish/ack, persistent sessions, shared subscriptions and broker restarts, on real
// Mosquitto (MQTT 5) and RabbitMQ's MQTT plugin (3.1.1 fallback).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerRefusedError, cleanupMqttSessions, declareMqttSessions, mqttClientId, openConsumer, openPublisher, type BrokerConsumer, type BrokerPublisher, type Delivery } from '@sarra/broker';
import { MQTT_BROKERS, requireBroker, startMosquitto, uniqueName, type MosquittoHandle } from '@sarra/testkit/mosquitto';
import { makePki } from '@sarra/testkit/pki';

/** Takes deliveries until `n` arrived or nothing came for `idleMs`; acks them unless told not to. */
async function drain(c: BrokerConsumer, n: number, idleMs = 1500, ack = true): Promise<Delivery[]> {
  const got: Delivery[] = [];
  while (got.length < n) {
    const ds = await c.next(100, idleMs);
    if (ds.length === 0) break;
    for (const d of ds) if (ack) c.ack(d);
    got.push(...ds);
  }
  return got;
}

function consumer(url: string, exchange: string, queue: string, clientId = mqttClientId(queue, 1), expires = 600_000, shared = false): BrokerConsumer {
  return openConsumer({ url, queue: { name: queue, expires }, bindings: [{ exchange, key: 'v03.#' }], prefetch: 50, clientId, shared });
}

async function publishAll(p: BrokerPublisher, exchange: string, bodies: string[], contentType?: string): Promise<void> {
  for (const b of bodies) p.publish(exchange, 'v03.dir.sub', Buffer.from(b), contentType ? { contentType } : {});
  await p.flush();
}

const bodies = (n: number, tag: string): string[] => Array.from({ length: n }, (_, i) => JSON.stringify({ n: i, tag }));

for (const [name, url] of Object.entries(MQTT_BROKERS)) {
  describe(`MQTT on ${name}`, () => {
    before(() => requireBroker(url));

    test('published with QoS 1, consumed with topic mapped back; unacked ones redelivered to the same session', async () => {
      const exchange = uniqueName('xs_mq');
      const queue = uniqueName('q_mq');
      const c = consumer(url, exchange, queue);
      await c.start();
      const p = openPublisher({ url });
      await p.start();
      try {
        await publishAll(p, exchange, bodies(20, 'a'), 'application/json');
        // ack the first 10 as they come (RabbitMQ sends at most its mqtt.prefetch, 10, unacked), keep the rest unacked
        const first: Delivery[] = [];
        for (let ds = await c.next(100, 1500); ds.length > 0; ds = await c.next(100, 1500)) {
          for (const d of ds) if (first.push(d) <= 10) c.ack(d);
        }
        assert.equal(first.length, 20);
        assert.equal(first[0]!.exchange, exchange);
        assert.equal(first[0]!.routingKey, 'v03.dir.sub');
        assert.equal(first[0]!.topic, `${exchange}/v03/dir/sub`);
        if (name === 'mosquitto') assert.equal(first[0]!.contentType, 'application/json');
        await new Promise((r) => setTimeout(r, 300));
        await c.close();
        const again = consumer(url, exchange, queue);
        await again.start();
        const redelivered = await drain(again, 10);
        await again.close();
        assert.deepEqual(redelivered.map((d) => JSON.parse(d.body.toString()).n).sort((a, b) => a - b), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
      } finally {
        await c.close();
        await p.close();
        // the shared brokers keep no session of ours (RabbitMQ would keep its queue)
        await cleanupMqttSessions({ url }, queue, 1);
      }
    });

    test('persistent session: notices published while the subscriber is stopped arrive after it starts', async () => {
      const exchange = uniqueName('xs_mq');
      const queue = uniqueName('q_mq');
      const c1 = consumer(url, exchange, queue);
      await c1.start();
      await c1.close();
      const p = openPublisher({ url });
      await p.start();
      await publishAll(p, exchange, bodies(15, 'offline'));
      await p.close();
      const c2 = consumer(url, exchange, queue);
      await c2.start();
      const got = await drain(c2, 15);
      await c2.close();
      await cleanupMqttSessions({ url }, queue, 1);
      assert.equal(got.length, 15);
      assert.deepEqual(new Set(got.map((d) => JSON.parse(d.body.toString()).n)).size, 15);
    });
  });
}

test('RabbitMQ MQTT speaks 3.1.1: headers cannot travel, so such a message is reported unpublishable', async () => {
  const p = openPublisher({ url: MQTT_BROKERS.rabbitmq });
  await p.start();
  try {
    p.publish('xs_mq', 'v02.post.a', Buffer.from('x'), { headers: { sum: 'd,1' } });
    await assert.rejects(p.flush(), (e: { unpublishable?: unknown[] }) => e.unpublishable?.length === 1);
  } finally {
    await p.close();
  }
});

test('RabbitMQ MQTT refuses a wrong password: start() rejects with BrokerRefusedError, no retry', async () => {
  const c = openConsumer({ url: 'mqtt://guest:wrong@127.0.0.1:1884', queue: { name: uniqueName('q_mq') }, bindings: [{ exchange: 'x', key: '#' }], prefetch: 1 });
  try {
    await assert.rejects(c.start(), (e: unknown) => e instanceof BrokerRefusedError && e.user === 'guest');
  } finally {
    await c.close();
  }
});

test('RabbitMQ MQTT speaks 3.1.1, which has no shared subscriptions: instances > 1 are refused at start, not each given every notice', async () => {
  const c = consumer(MQTT_BROKERS.rabbitmq, uniqueName('xs_mq'), uniqueName('q_mq'), undefined, 600_000, true);
  try {
    await assert.rejects(c.start(), /instances > 1 need MQTT 5 shared subscriptions/);
  } finally {
    await c.close();
  }
});

test('declared sessions (sr declare) keep what is posted before the instances run; cleanup (sr cleanup) ends them', async () => {
  const url = MQTT_BROKERS.mosquitto;
  const exchange = uniqueName('xs_mq');
  const queue = uniqueName('q_mq');
  const spec = { url, queue: { name: queue, expires: 600_000 }, bindings: [{ exchange, key: 'v03.#' }], prefetch: 10 };
  await declareMqttSessions(spec, 2);
  const p = openPublisher({ url });
  await p.start();
  await publishAll(p, exchange, bodies(30, 'declared'));
  const a = openConsumer({ ...spec, clientId: mqttClientId(queue, 1), shared: true });
  const b = openConsumer({ ...spec, clientId: mqttClientId(queue, 2), shared: true });
  await Promise.all([a.start(), b.start()]);
  const got = (await Promise.all([drain(a, 30), drain(b, 30)])).flat();
  await Promise.all([a.close(), b.close()]);
  assert.equal(new Set(got.map((d) => JSON.parse(d.body.toString()).n)).size, 30);
  assert.equal(got.length, 30);
  await cleanupMqttSessions({ url }, queue, 2);
  await publishAll(p, exchange, bodies(5, 'after cleanup'));
  await p.close();
  const c = openConsumer({ ...spec, clientId: mqttClientId(queue, 1), shared: true });
  await c.start();
  const after = await drain(c, 5, 800);
  await c.close();
  assert.equal(after.length, 0, 'the session is gone: nothing was kept for it');
});

test('two instances share one subscription ($share/<queue>/...): each notice is delivered once', async () => {
  const url = MQTT_BROKERS.mosquitto;
  const exchange = uniqueName('xs_mq');
  const queue = uniqueName('q_mq');
  const a = consumer(url, exchange, queue, `${queue}_01`, 600_000, true);
  const b = consumer(url, exchange, queue, `${queue}_02`, 600_000, true);
  await Promise.all([a.start(), b.start()]);
  const p = openPublisher({ url });
  await p.start();
  try {
    await publishAll(p, exchange, bodies(200, 'shared'));
    const [ga, gb] = await Promise.all([drain(a, 200), drain(b, 200)]);
    const ns = [...ga, ...gb].map((d) => JSON.parse(d.body.toString()).n as number);
    assert.equal(ns.length, 200, 'nothing delivered twice');
    assert.equal(new Set(ns).size, 200, 'nothing missing');
    assert.ok(ga.length > 0 && gb.length > 0, `both instances worked (${ga.length} + ${gb.length})`);
  } finally {
    await Promise.all([a.close(), b.close(), p.close()]);
  }
});

describe('a private Mosquitto restarted three times while notices flow', () => {
  let m: MosquittoHandle;
  before(async () => { m = await startMosquitto(); });
  after(async () => { await m?.cleanup(); });

  test('every notice published is consumed and acked, none lost', async () => {
    const exchange = uniqueName('xs_mq');
    const queue = uniqueName('q_mq');
    const c = openConsumer({ url: m.url, queue: { name: queue, expires: 600_000 }, bindings: [{ exchange, key: 'v03.#' }], prefetch: 20, backoff: { base: 0.2, max: 1 } });
    await c.start();
    const p = openPublisher({ url: m.url, backoff: { base: 0.2, max: 1 }, flushTimeoutMs: 2000 });
    await p.start();
    const seen = new Set<number>();
    let consuming = true;
    const reader = (async () => {
      while (consuming || seen.size < 300) {
        const ds = await c.next(50, 300);
        if (!consuming && ds.length === 0 && seen.size >= 300) break;
        // a little work per batch, so restarts land between delivery and ack
        if (ds.length) await new Promise((r) => setTimeout(r, 20));
        for (const d of ds) { c.ack(d); seen.add(JSON.parse(d.body.toString()).n); }
        if (!consuming && ds.length === 0) break;
      }
    })();
    let restarts = 0;
    for (let batch = 0; batch < 6; batch++) {
      const todo = Array.from({ length: 50 }, (_, i) => batch * 50 + i);
      // re-publish what was not acked, as the post retry queue would
      for (let tries = 0; todo.length > 0 && tries < 20; tries++) {
        for (const n of todo) p.publish(exchange, 'v03.r', Buffer.from(JSON.stringify({ n })));
        try {
          await p.flush();
          todo.length = 0;
        } catch (e) {
          const failed = new Set(((e as { failed?: { body: Buffer }[] }).failed ?? []).map((f) => JSON.parse(f.body.toString()).n as number));
          todo.splice(0, todo.length, ...todo.filter((n) => failed.has(n)));
          await new Promise((r) => setTimeout(r, 300));
        }
      }
      assert.equal(todo.length, 0, 'publisher got its PUBACKs after the restarts');
      if (batch % 2 === 1 && restarts < 3) {
        // the consumer backs off (jittered, growing) after a restart: a restart while it is still away is not one it sees
        for (let i = 0; i < 100 && !c.connected; i++) await new Promise((r) => setTimeout(r, 50));
        await m.restart(500);
        restarts++;
      }
    }
    for (let i = 0; i < 100 && seen.size < 300; i++) await new Promise((r) => setTimeout(r, 100));
    consuming = false;
    await reader;
    await c.close();
    await p.close();
    assert.equal(restarts, 3);
    assert.equal(seen.size, 300, `all 300 consumed (missing: ${Array.from({ length: 300 }, (_, i) => i).filter((n) => !seen.has(n)).slice(0, 10).join(',')})`);
    assert.ok(c.stats.disconnects >= 3, `the consumer saw the restarts (${c.stats.disconnects})`);
  });
});

test('mqtts: tlsRigour lax takes the test certificate and carries notices; normal refuses its unknown CA', async () => {
  const pki = await makePki();
  const m = await startMosquitto({ tls: pki.broker });
  try {
    const url = m.tlsUrl!;
    const exchange = uniqueName('xs_mq');
    const queue = uniqueName('q_mq');
    const c = openConsumer({ url, tlsRigour: 'lax', queue: { name: queue, expires: 60_000 }, bindings: [{ exchange, key: 'v03.#' }], prefetch: 10 });
    await c.start();
    const p = openPublisher({ url, tlsRigour: 'lax' });
    await p.start();
    await publishAll(p, exchange, bodies(5, 'tls'));
    assert.equal((await drain(c, 5)).length, 5);
    await Promise.all([c.close(), p.close()]);
    const strict = openPublisher({ url, backoff: { base: 0.2, max: 0.5 } });
    const started = strict.start().then(() => true, () => false);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(strict.connected, false, 'an unknown CA is not accepted under normal rigour');
    await strict.close();
    assert.equal(await started, false);
  } finally {
    await m.cleanup();
    await pki.cleanup();
  }
});
