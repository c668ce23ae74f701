// Integration: forced disconnects on the real RabbitMQ: no message lost, stale acks harmless, topology re-declared.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Consumer, Publisher, PublishError, declareTopology, type Delivery } from '@sarra/broker';
import { closeAllConnections, withVhost, type TestVhost } from '@sarra/testkit/rabbit';

let v: TestVhost;
before(async () => {
  v = await withVhost();
});
after(async () => {
  await v?.cleanup();
});

const fast = { base: 0.1, max: 1 };

/** Polls `cond` every 50 ms; fails the test if it is still false after `ms`. */
async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) assert.fail(`condition not met within ${ms} ms: ${cond.toString()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('relay queue -> exchange survives a forced disconnect of every connection: no message lost', async (t) => {
  const N = 2000;
  await declareTopology({
    url: v.url,
    exchanges: ['xs_src', 'xs_dst'],
    queue: { name: 'q_src' },
    bindings: [{ exchange: 'xs_src', key: 'v03.#' }],
  });
  await declareTopology({ url: v.url, exchanges: [], queue: { name: 'q_sink' }, bindings: [{ exchange: 'xs_dst', key: 'v03.#' }] });

  const loader = new Publisher({ url: v.url });
  t.after(() => loader.close());
  await loader.start();
  for (let i = 0; i < N; i++) loader.publish('xs_src', 'v03.data', Buffer.from(JSON.stringify({ id: i })));
  await loader.flush();
  await loader.close();

  // the relay: consume a batch, publish it with confirms, ack only what was confirmed
  const input = new Consumer({ url: v.url, queue: { name: 'q_src' }, bindings: [], bind: false, prefetch: 100, backoff: fast });
  const output = new Publisher({ url: v.url, backoff: fast, flushTimeoutMs: 10_000 });
  const sink = new Consumer({ url: v.url, queue: { name: 'q_sink' }, bindings: [], bind: false, prefetch: 200, backoff: fast });
  t.after(() => Promise.all([input.close(), output.close(), sink.close()]));
  await Promise.all([input.start(), output.start(), sink.start()]);
  // the management API lists connections with a delay: wait for all 3 so the cut lands mid-stream
  const listed = Date.now() + 15_000;
  while ((await v.mgmt.connections(v.vhost)).length < 3 && Date.now() < listed) await new Promise((r) => setTimeout(r, 100));

  let relayed = 0;
  let failedBatches = 0;
  let cut: Promise<number> | undefined;
  let cutDone = false;
  let arrivedAtCut = -1;
  const seen = new Map<number, number>();
  const deadline = Date.now() + 60_000;

  const relay = async (): Promise<void> => {
    while (seen.size < N && Date.now() < deadline) {
      const batch = await input.next(100, 200);
      if (batch.length === 0) continue;
      for (const d of batch) output.publish('xs_dst', d.routingKey, d.body, { headers: d.headers });
      try {
        await output.flush();
        for (const d of batch) input.ack(d);
      } catch (err) {
        if (!(err instanceof PublishError)) throw err;
        failedBatches++;
        const failed = new Set(err.failed.map((m) => m.body));
        // confirmed ones are acked, the others go back to the queue (or are redelivered anyway if the channel died)
        for (const d of batch) {
          if (failed.has(d.body)) input.reject(d, true);
          else input.ack(d);
        }
      }
      relayed += batch.length;
      if (!cut && relayed >= 500) {
        cut = closeAllConnections(v.vhost, { atLeast: 3 });
        const mark = (): void => {
          cutDone = true;
          arrivedAtCut = seen.size;
        };
        cut.then(mark, mark);
      }
      // slow down while the cut is under way so that it lands mid-stream, with batches in flight
      if (cut && !cutDone) await new Promise((r) => setTimeout(r, 20));
    }
  };
  const collect = async (): Promise<void> => {
    while (seen.size < N && Date.now() < deadline) {
      for (const d of await sink.next(200, 200)) {
        const id = (JSON.parse(d.body.toString()) as { id: number }).id;
        seen.set(id, (seen.get(id) ?? 0) + 1);
        sink.ack(d);
      }
    }
  };
  await Promise.all([relay(), collect()]);

  const closed = await cut;
  assert.ok(closed !== undefined && closed >= 3, `forced ${closed} connections closed`);
  assert.ok(arrivedAtCut >= 0 && arrivedAtCut < N, `the cut landed mid-stream (${arrivedAtCut} of ${N} had arrived)`);
  const missing = Array.from({ length: N }, (_, i) => i).filter((i) => !seen.has(i));
  assert.deepEqual(missing, [], 'every message id arrived');
  const duplicates = [...seen.values()].reduce((a, n) => a + n - 1, 0);
  t.diagnostic(`relayed ${relayed} deliveries, ${duplicates} duplicates at the sink, ${failedBatches} failed flushes`);
  assert.ok(input.stats.disconnects >= 1 && output.stats.disconnects >= 1 && sink.stats.disconnects >= 1);
  await waitFor(() => input.connected && output.connected && sink.connected, 10_000);
  // drain what is left in the source (redelivered duplicates): it empties, nothing is stuck unacked
  for (let i = 0; i < 20 && ((await input.queueDepth()) ?? 1) + input.buffered > 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(await input.queueDepth(), 0);
});

test('an ack of a stale generation after reconnect is dropped and does not kill the new channel', async (t) => {
  await declareTopology({ url: v.url, exchanges: ['xs_stale'], queue: { name: 'q_stale' }, bindings: [{ exchange: 'xs_stale', key: '#' }] });
  const pub = new Publisher({ url: v.url, backoff: fast });
  const c = new Consumer({ url: v.url, queue: { name: 'q_stale' }, bindings: [], bind: false, prefetch: 10, backoff: fast });
  t.after(() => Promise.all([pub.close(), c.close()]));
  await Promise.all([pub.start(), c.start()]);
  for (let i = 0; i < 3; i++) pub.publish('xs_stale', 'k', Buffer.from(`m${i}`));
  await pub.flush();

  const old: Delivery[] = [];
  while (old.length < 3) old.push(...(await c.next(10, 2000)));
  assert.equal(old[0]?.generation, 1);

  await closeAllConnections(v.vhost);
  const again: Delivery[] = [];
  const until = Date.now() + 15_000;
  while (again.length < 3 && Date.now() < until) again.push(...(await c.next(10, 500)));
  assert.equal(again.length, 3, 'the unacked messages were redelivered after reconnect');
  assert.ok(again.every((d) => d.generation === 2 && d.redelivered));
  // delivery tags restart on the new channel: the stale ones may name live tags, so sending them would ack the wrong message
  assert.deepEqual(again.map((d) => d.deliveryTag), old.map((d) => d.deliveryTag));

  for (const d of old) c.ack(d);
  for (const d of old) c.reject(d, false);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(c.connected, true);
  assert.equal(c.stats.disconnects, 1, 'only the forced disconnect');
  assert.ok(c.stats.disconnectedMs > 0 && c.stats.connectedMs > 0);
  assert.equal(c.buffered, 0);
  assert.equal(await c.queueDepth(), 0, 'nothing requeued or lost by the stale acks');

  for (const d of again) c.ack(d);
  pub.publish('xs_stale', 'k', Buffer.from('after'));
  await pub.flush();
  const last = await c.next(10, 2000);
  assert.deepEqual(last.map((d) => d.body.toString()), ['after'], 'the new channel still delivers');
  c.ack(last[0] as Delivery);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(c.stats.disconnects, 1);
  await c.close();
  // had the generation-2 acks been dropped too, the close would have put 4 messages back
  const probe = new Consumer({ url: v.url, queue: { name: 'q_stale' }, bindings: [], prefetch: 1, declareQueue: false, bind: false });
  t.after(() => probe.close());
  await probe.start();
  assert.equal(await probe.queueDepth(), 0);
});

test('a queue deleted under the consumer is declared again with its bindings', async (t) => {
  const queue = { name: 'q_gone', expires: 120_000 };
  const bindings = [{ exchange: 'xs_gone', key: 'v03.#' }];
  const c = new Consumer({ url: v.url, queue, bindings, prefetch: 5, declareExchanges: ['xs_gone'], backoff: fast });
  const pub = new Publisher({ url: v.url, backoff: fast });
  t.after(() => Promise.all([pub.close(), c.close()]));
  await Promise.all([c.start(), pub.start()]);
  await v.mgmt.deleteQueue(v.vhost, queue.name);
  await waitFor(() => c.stats.disconnects === 1 && c.connected, 15_000);
  const q = await v.mgmt.queue(v.vhost, queue.name);
  assert.equal(q?.arguments['x-expires'], 120_000, 're-declared with its arguments');
  pub.publish('xs_gone', 'v03.x', Buffer.from('back'));
  await pub.flush();
  const got = await c.next(5, 5000);
  assert.deepEqual(got.map((d) => d.body.toString()), ['back'], 'bound again and consuming');
  c.ack(got[0] as Delivery);
});

test('close() during an outage stops reconnecting; next() returns [] at once', async () => {
  const ac = new AbortController();
  const c = new Consumer({ url: v.url.replace(':5672/', ':1/'), queue: { name: 'q_never' }, bindings: [], prefetch: 1, signal: ac.signal, backoff: fast });
  const started = c.start();
  setTimeout(() => ac.abort(), 300);
  await assert.rejects(started, (e: unknown) => (e as { code?: string }).code === 'ERR_ABORTED');
  const t0 = Date.now();
  assert.deepEqual(await c.next(10, 5000), []);
  assert.ok(Date.now() - t0 < 100);
  await c.close();
});

test('abort closes a running publisher and consumer: flush reports what was not confirmed, next() returns []', async (t) => {
  await declareTopology({ url: v.url, exchanges: ['xs_abort'], queue: { name: 'q_abort' }, bindings: [{ exchange: 'xs_abort', key: '#' }] });
  const ac = new AbortController();
  const pub = new Publisher({ url: v.url, signal: ac.signal });
  const c = new Consumer({ url: v.url, queue: { name: 'q_abort' }, bindings: [], bind: false, prefetch: 5, signal: ac.signal });
  t.after(() => Promise.all([pub.close(), c.close()]));
  await Promise.all([pub.start(), c.start()]);
  const waiting = c.next(5, 10_000);
  ac.abort();
  const t0 = Date.now();
  assert.deepEqual(await waiting, []);
  pub.publish('xs_abort', 'k', Buffer.from('too late'));
  await assert.rejects(pub.flush(), (e: unknown) => e instanceof PublishError && e.failed.length === 1);
  assert.ok(Date.now() - t0 < 1000, 'no waiting for timeouts');
  assert.equal(c.connected || pub.connected, false);
});
