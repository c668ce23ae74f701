// Integration: publish with confirms, consume with manual ack and prefetch, failed confirms, on the real RabbitMQ.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'amqplib';
import { Consumer, Publisher, PublishError, declareTopology, type Delivery } from '@sarra/broker';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';

let v: TestVhost;
before(async () => {
  v = await withVhost();
});
after(async () => {
  await v?.cleanup();
});

async function topology(name: string, extra: { messageTtl?: number } = {}): Promise<{ exchange: string; queue: { name: string; messageTtl?: number } }> {
  const exchange = `xs_${name}`;
  const queue = { name: `q_${name}`, ...extra };
  await declareTopology({ url: v.url, exchanges: [exchange], queue, bindings: [{ exchange, key: 'v03.#' }] });
  return { exchange, queue };
}

/** Messages ready in the queue, seen from a separate plain connection. */
async function readyCount(queue: string): Promise<number> {
  const conn = await connect(v.url);
  try {
    const ch = await conn.createChannel();
    return (await ch.checkQueue(queue)).messageCount;
  } finally {
    await conn.close();
  }
}

/** Takes deliveries until `n` arrived or nothing came for `idleMs`. */
async function drain(c: Consumer, n: number, idleMs = 2000, ack = true): Promise<Delivery[]> {
  const got: Delivery[] = [];
  while (got.length < n) {
    const ds = await c.next(100, idleMs);
    if (ds.length === 0) break;
    for (const d of ds) if (ack) c.ack(d);
    got.push(...ds);
  }
  return got;
}

test('publish N with confirms, consume and ack them all, the queue ends empty', async (t) => {
  const { exchange, queue } = await topology('roundtrip');
  const pub = new Publisher({ url: v.url });
  t.after(() => pub.close());
  await pub.start();
  const N = 500;
  for (let i = 0; i < N; i++) {
    pub.publish(exchange, `v03.a.b${i % 3}`, Buffer.from(JSON.stringify({ i })), {
      contentType: 'application/json',
      headers: { id: i },
    });
  }
  await pub.flush();
  await pub.flush(); // nothing new: resolves at once
  await pub.close();

  assert.equal(await readyCount(queue.name), N);
  const c = new Consumer({ url: v.url, queue, bindings: [{ exchange, key: 'v03.#' }], prefetch: 50 });
  t.after(() => c.close());
  await c.start();
  const got = await drain(c, N);
  assert.equal(got.length, N);
  assert.deepEqual(
    got.map((d) => (JSON.parse(d.body.toString()) as { i: number }).i),
    Array.from({ length: N }, (_, i) => i),
    'all arrive, in order',
  );
  const first = got[0] as Delivery;
  assert.equal(first.exchange, exchange);
  assert.equal(first.routingKey, 'v03.a.b0');
  assert.equal(first.contentType, 'application/json');
  assert.equal(first.headers.id, 0);
  assert.equal(first.generation, 1);
  await c.close();

  // nothing was left unacked: after the consumer's close nothing came back to the queue
  const again = new Consumer({ url: v.url, queue, bindings: [], prefetch: 10, bind: false });
  t.after(() => again.close());
  await again.start();
  assert.equal(await again.queueDepth(), 0);
  assert.deepEqual(await again.next(10, 300), []);
  await again.close();
});

test('messages are persistent by default, expiration and non-persistent on request', async (t) => {
  const { exchange, queue } = await topology('props');
  const pub = new Publisher({ url: v.url });
  t.after(() => pub.close());
  await pub.start();
  pub.publish(exchange, 'v03.p', Buffer.from('a'));
  pub.publish(exchange, 'v03.p', Buffer.from('b'), { persistent: false, expiration: 60_000, contentEncoding: 'gzip' });
  await pub.flush();
  await pub.close();
  const conn = await connect(v.url);
  const ch = await conn.createChannel();
  const a = await ch.get(queue.name, { noAck: true });
  const b = await ch.get(queue.name, { noAck: true });
  await conn.close();
  assert.ok(a && b);
  assert.equal(a.properties.deliveryMode, 2);
  assert.equal(b.properties.deliveryMode, 1);
  assert.equal(b.properties.expiration, '60000');
  assert.equal(b.properties.contentEncoding, 'gzip');
});

test('prefetch is respected: unacked deliveries never exceed it', async (t) => {
  const { exchange, queue } = await topology('prefetch');
  const pub = new Publisher({ url: v.url });
  t.after(() => pub.close());
  await pub.start();
  for (let i = 0; i < 60; i++) pub.publish(exchange, 'v03.x', Buffer.from(String(i)));
  await pub.flush();
  await pub.close();

  const c = new Consumer({ url: v.url, queue, bindings: [], prefetch: 7, bind: false });
  t.after(() => c.close());
  await c.start();
  const unacked: Delivery[] = [];
  for (let round = 0; round < 5; round++) {
    const ds = await c.next(100, 1000);
    // give the broker time to send more than it should, if it would
    await new Promise((r) => setTimeout(r, 150));
    unacked.push(...ds, ...(await c.next(100, 0)));
    assert.equal(unacked.length, 7, `round ${round}: exactly prefetch unacked, no more`);
    for (const d of unacked.splice(0, 3)) c.ack(d);
  }
  await c.close();
});

test('message TTL of the queue (x-message-ttl) expires old messages', async (t) => {
  const { exchange, queue } = await topology('ttl', { messageTtl: 1000 });
  const pub = new Publisher({ url: v.url });
  t.after(() => pub.close());
  await pub.start();
  pub.publish(exchange, 'v03.t', Buffer.from('old'));
  await pub.flush();
  assert.equal(await readyCount(queue.name), 1);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await readyCount(queue.name), 0, 'expired after x-message-ttl');
  pub.publish(exchange, 'v03.t', Buffer.from('new'));
  await pub.flush();
  assert.equal(await readyCount(queue.name), 1);
});

test('nacked publishes: flush rejects with exactly the unconfirmed messages', async (t) => {
  // a queue that refuses publishes beyond 5 messages makes the broker nack them
  const conn = await connect(v.url);
  const ch = await conn.createChannel();
  await ch.assertExchange('xs_full', 'topic', { durable: true });
  await ch.assertQueue('q_full', { arguments: { 'x-max-length': 5, 'x-overflow': 'reject-publish' } });
  await ch.bindQueue('q_full', 'xs_full', '#');
  await conn.close();

  const pub = new Publisher({ url: v.url });
  t.after(() => pub.close());
  await pub.start();
  for (let i = 0; i < 8; i++) pub.publish('xs_full', 'k', Buffer.from(`m${i}`));
  const err = await pub.flush().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof PublishError, String(err));
  assert.equal(err.confirmed, 5);
  assert.deepEqual(err.failed.map((m) => m.body.toString()), ['m5', 'm6', 'm7']);
  assert.equal(err.failed[0]?.exchange, 'xs_full');
  assert.equal(pub.connected, true, 'a nack does not cost the connection');
  await pub.close();
});

test('publishing to a missing exchange fails that batch only; the publisher reconnects and goes on', async (t) => {
  const { exchange, queue } = await topology('missing');
  const pub = new Publisher({ url: v.url, backoff: { base: 0.05, max: 0.2 } });
  t.after(() => pub.close());
  await pub.start();
  pub.publish('x_does_not_exist', 'v03.a', Buffer.from('lost'));
  await assert.rejects(pub.flush(), (e: unknown) => e instanceof PublishError && e.failed.length === 1);
  pub.publish(exchange, 'v03.a', Buffer.from('kept'));
  await pub.flush();
  assert.ok(pub.stats.disconnects >= 1);
  await pub.close();
  const c = new Consumer({ url: v.url, queue, bindings: [], prefetch: 5, bind: false });
  t.after(() => c.close());
  await c.start();
  assert.deepEqual((await drain(c, 1)).map((d) => d.body.toString()), ['kept']);
  await c.close();
});

test('a burst larger than the channel buffer (back-pressure) is all confirmed', async (t) => {
  const { exchange, queue } = await topology('burst');
  const pub = new Publisher({ url: v.url });
  t.after(() => pub.close());
  await pub.start();
  const N = 3000;
  const body = Buffer.alloc(16 * 1024, 0x61);
  for (let i = 0; i < N; i++) pub.publish(exchange, 'v03.burst', body);
  await pub.flush();
  assert.ok(pub.backpressureWaits > 0, 'the channel did push back');
  await pub.close();
  assert.equal(await readyCount(queue.name), N);
});

test('double ack and reject are harmless; reject with requeue brings the message back', async (t) => {
  const { exchange, queue } = await topology('reject');
  const pub = new Publisher({ url: v.url });
  t.after(() => pub.close());
  await pub.start();
  pub.publish(exchange, 'v03.r', Buffer.from('one'));
  pub.publish(exchange, 'v03.r', Buffer.from('two'));
  await pub.flush();
  await pub.close();
  const c = new Consumer({ url: v.url, queue, bindings: [], prefetch: 10, bind: false });
  t.after(() => c.close());
  await c.start();
  const [one, two] = await drain(c, 2, 1000, false);
  assert.ok(one && two);
  c.ack(one);
  c.ack(one); // would be PRECONDITION_FAILED (unknown delivery tag) and a dead channel if sent
  c.reject(two, true);
  const back = await drain(c, 1, 1000, false);
  assert.equal(back[0]?.body.toString(), 'two');
  assert.equal(back[0]?.redelivered, true);
  c.ack(back[0] as Delivery);
  c.reject(back[0] as Delivery, false);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(c.connected, true);
  assert.equal(c.stats.disconnects, 0, 'the channel never died');
  assert.equal(await c.queueDepth(), 0);
  await c.close();
});

test('next(): the caller\'s signal ends the wait for a first delivery early; a delivery still wakes it at once', async (t) => {
  const { exchange, queue } = await topology('wake');
  const c = new Consumer({ url: v.url, queue, bindings: [], prefetch: 10, bind: false });
  t.after(() => c.close());
  await c.start();
  const ctl = new AbortController();
  setTimeout(() => ctl.abort(), 100);
  let t0 = Date.now();
  assert.deepEqual(await c.next(10, 10_000, ctl.signal), []);
  assert.ok(Date.now() - t0 < 2000, 'woken by the signal');
  assert.deepEqual(await c.next(10, 10_000, AbortSignal.abort()), [], 'an aborted signal does not wait');
  const pub = new Publisher({ url: v.url });
  t.after(() => pub.close());
  await pub.start();
  const sent = new Promise<void>((resolve, reject) => setTimeout(() => {
    pub.publish(exchange, 'v03.w', Buffer.from('x'));
    pub.flush().then(resolve, reject);
  }, 100));
  t0 = Date.now();
  const got = await c.next(10, 10_000, new AbortController().signal);
  assert.equal(got.length, 1);
  assert.ok(Date.now() - t0 < 5000);
  c.ack(got[0]!);
  await sent;
  await pub.close();
});
