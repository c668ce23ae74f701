// Integration: a connection that goes silent (network freeze, not a clean close) is detected by heartbeats and replaced.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Consumer, Publisher, declareTopology, type Delivery } from '@sarra/broker';
import { RABBIT, withVhost, type TestVhost } from '@sarra/testkit/rabbit';

let v: TestVhost;
before(async () => {
  v = await withVhost();
});
after(async () => {
  await v?.cleanup();
});

/** A loopback TCP relay to RabbitMQ that can freeze: bytes stop flowing both ways, sockets stay open. */
async function freezableProxy(): Promise<{ port: number; freeze(): void; close(): Promise<void> }> {
  const pairs: { a: Socket; b: Socket; frozen: boolean }[] = [];
  const server: Server = createServer((a) => {
    const b = createConnection(RABBIT.port, RABBIT.host);
    const pair = { a, b, frozen: false };
    pairs.push(pair);
    a.on('data', (d) => void (pair.frozen || b.write(d)));
    b.on('data', (d) => void (pair.frozen || a.write(d)));
    a.on('error', () => b.destroy());
    b.on('error', () => a.destroy());
    a.on('close', () => b.destroy());
    b.on('close', () => a.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    freeze: () => {
      for (const p of pairs) p.frozen = true;
    },
    close: async () => {
      for (const p of pairs) {
        p.a.destroy();
        p.b.destroy();
      }
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

test('heartbeat detects a frozen connection; the consumer reconnects and the message is redelivered', async (t) => {
  await declareTopology({ url: v.url, exchanges: ['xs_hb'], queue: { name: 'q_hb' }, bindings: [{ exchange: 'xs_hb', key: '#' }] });
  const proxy = await freezableProxy();
  t.after(() => proxy.close());
  const viaProxy = v.url.replace(`:${RABBIT.port}/`, `:${proxy.port}/`);
  const c = new Consumer({ url: viaProxy, heartbeat: 1, queue: { name: 'q_hb' }, bindings: [], bind: false, prefetch: 5, backoff: { base: 0.1, max: 0.5 } });
  const pub = new Publisher({ url: v.url });
  t.after(() => Promise.all([c.close(), pub.close()]));
  await Promise.all([c.start(), pub.start()]);

  pub.publish('xs_hb', 'k', Buffer.from('held'));
  await pub.flush();
  const first = await c.next(5, 3000);
  assert.equal(first.length, 1);

  proxy.freeze(); // the old connection hangs silently; new connections through the proxy still work
  const t0 = Date.now();
  while (c.stats.disconnects === 0 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 100));
  assert.equal(c.stats.disconnects, 1, 'silent connection noticed by heartbeat');
  assert.ok(Date.now() - t0 < 6000, `noticed within a few heartbeats (${Date.now() - t0} ms)`);

  c.ack(first[0] as Delivery); // stale: dropped
  const again: Delivery[] = [];
  const until = Date.now() + 20_000;
  while (again.length === 0 && Date.now() < until) again.push(...(await c.next(5, 500)));
  // the broker only requeues once it notices the client is gone (its own heartbeat timeout)
  assert.deepEqual(again.map((d) => d.body.toString()), ['held']);
  assert.equal(again[0]?.generation, 2);
  c.ack(again[0] as Delivery);
});
