// Unit tests: broker URL parsing (host lists included), back-off/jitter math, queue arguments, retry loop abort and redaction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import fc from 'fast-check';
import { ConfigError, Logger, splitHostList } from '@sarra/common';
import { AbortedError, backoffDelay, parseBrokerUrl, queueOptions, sleep } from '@sarra/broker';
import { fakeAmqp } from '@sarra/testkit/fake-amqp';
import { brokerAddresses, connectWithRetry, nodeName, openAnyNode } from '../src/connection.js';

test('parseBrokerUrl: vhost from the path, URL-decoded; empty path is /', () => {
  assert.equal(parseBrokerUrl('amqp://u:p@host/').vhost, '/');
  assert.equal(parseBrokerUrl('amqp://u:p@host').vhost, '/');
  assert.equal(parseBrokerUrl('amqp://u:p@host/%2F').vhost, '/');
  assert.equal(parseBrokerUrl('amqp://u:p@host/sarra-test-1').vhost, 'sarra-test-1');
  assert.equal(parseBrokerUrl('amqp://u:p@host/a%2Fb%20c').vhost, 'a/b c');
});

test('parseBrokerUrl: ports, schemes and decoded credentials', () => {
  const a = parseBrokerUrl('amqps://bob:p%40ss%3Aword@broker.example.com/');
  assert.deepEqual(a, { protocol: 'amqps', hostname: 'broker.example.com', port: 5671, username: 'bob', password: 'p@ss:word', vhost: '/' });
  assert.equal(parseBrokerUrl('amqp://u:p@127.0.0.1/').port, 5672);
  assert.equal(parseBrokerUrl('amqp://u:p@127.0.0.1:5999/').port, 5999);
  assert.equal(parseBrokerUrl('amqp://[::1]:5672/').hostname, '::1');
  const anon = parseBrokerUrl('amqp://127.0.0.1/');
  assert.equal(anon.username, 'guest');
});

test('parseBrokerUrl: bad URLs are ConfigErrors that never show the password', () => {
  for (const bad of ['http://u:secret@host/', 'amqp//u:secret@host', 'sftp://u:secret@host/']) {
    assert.throws(
      () => parseBrokerUrl(bad),
      (err: unknown) => err instanceof ConfigError && !err.message.includes('secret'),
      bad,
    );
  }
});

test('backoffDelay: exponential 1,2,4..64 s caps, never above the cap, never below half of it', () => {
  const caps = [1, 2, 4, 8, 16, 32, 64, 64, 64];
  caps.forEach((cap, attempt) => {
    assert.equal(backoffDelay(attempt, { base: 1, max: 64 }, () => 0), cap * 1000, `attempt ${attempt} no jitter`);
    assert.equal(backoffDelay(attempt, { base: 1, max: 64 }, () => 0.999999), Math.round(cap * 1000 * (1 - 0.999999 / 2)));
  });
  assert.equal(backoffDelay(1000, { base: 1, max: 64 }, () => 0), 64_000, 'huge attempt numbers stay at the cap');
  assert.equal(backoffDelay(3, { base: 0.5, max: 10 }, () => 0), 4000);
  assert.equal(backoffDelay(5, { base: 0.5, max: 10 }, () => 0), 10_000);
});

test('backoffDelay: jitter spreads delays of simultaneous reconnects', () => {
  let seed = 7;
  const rnd = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const delays = Array.from({ length: 200 }, () => backoffDelay(6, undefined, rnd));
  assert.ok(delays.every((d) => d >= 32_000 && d <= 64_000));
  assert.ok(new Set(delays).size > 150, 'delays are spread, not identical');
  const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
  assert.ok(mean > 44_000 && mean < 52_000, `mean ${mean} near 48 s`);
});

test('queueOptions: sr3 defaults durable, not auto-delete; x-expires, x-message-ttl only when set; classic without x-queue-type', () => {
  assert.deepEqual(queueOptions({ name: 'q' }), { durable: true, autoDelete: false, arguments: {} });
  assert.deepEqual(queueOptions({ name: 'q', expires: 300_000, messageTtl: 60_000, type: 'classic' }), {
    durable: true,
    autoDelete: false,
    arguments: { 'x-expires': 300_000, 'x-message-ttl': 60_000 },
  });
  const q = queueOptions({ name: 'q', durable: false, autoDelete: true, type: 'quorum', expires: 300_000, messageTtl: 60_000 });
  assert.equal(q.durable, true, 'quorum queues are always durable');
  assert.equal(q.autoDelete, false);
  assert.deepEqual(q.arguments, { 'x-queue-type': 'quorum', 'x-expires': 300_000, 'x-message-ttl': 60_000 });
});

test('queueOptions: a stream is durable, never auto-delete, has no x-expires nor x-message-ttl; messageTtl becomes x-max-age', () => {
  const s = queueOptions({ name: 'q', durable: false, autoDelete: true, type: 'stream', expires: 300_000, messageTtl: 90_500 });
  assert.deepEqual(s, { durable: true, autoDelete: false, arguments: { 'x-queue-type': 'stream', 'x-max-age': '91s' } });
  assert.deepEqual(queueOptions({ name: 'q', type: 'stream', expires: 300_000 }).arguments, { 'x-queue-type': 'stream' });
});

test('sleep rejects with AbortedError when aborted', async () => {
  const ac = new AbortController();
  const p = sleep(60_000, ac.signal);
  ac.abort();
  await assert.rejects(p, AbortedError);
  await assert.rejects(sleep(1, ac.signal), AbortedError);
});

test('connectWithRetry: retries a refusing address with back-off, logs without the password, stops on abort', async () => {
  // a port that was free a moment ago: connections are refused at once
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));

  const lines: string[] = [];
  const logger = Logger.silent();
  logger.warning = (m: string) => void lines.push(m);
  const ac = new AbortController();
  let failures = 0;
  const p = connectWithRetry(
    { url: `amqp://bob:hunter2@127.0.0.1:${port}/`, logger, signal: ac.signal, backoff: { base: 0.01, max: 0.04 } },
    () => {
      if (++failures === 4) ac.abort();
    },
  );
  await assert.rejects(p, AbortedError);
  assert.equal(failures, 4);
  assert.ok(lines.length >= 3);
  for (const l of lines) assert.ok(!l.includes('hunter2'), l);
  assert.match(lines[0] as string, /127\.0\.0\.1/);
});

test('backoffDelay property: always within [cap/2, cap] and never above max', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 200 }),
      fc.double({ min: 0.001, max: 10, noNaN: true }),
      fc.double({ min: 0.01, max: 600, noNaN: true }),
      fc.double({ min: 0, max: 0.999999, noNaN: true }),
      (attempt, base, max, r) => {
        const cap = Math.min(max, base * 2 ** Math.min(attempt, 30)) * 1000;
        const d = backoffDelay(attempt, { base, max }, () => r);
        return d <= Math.round(cap) && d >= Math.floor(cap / 2) && d <= Math.round(max * 1000);
      },
    ),
  );
});

test('brokerAddresses: a host list names the nodes of one cluster in order, each with its port; one host gives one', () => {
  const nodes = brokerAddresses('amqp://bob:p%40ss@h1:5673,h2:5674, h3/vhost%2F1');
  assert.deepEqual(nodes.map((n) => [n.hostname, n.port, n.username, n.password, n.vhost]), [
    ['h1', 5673, 'bob', 'p@ss', 'vhost/1'], ['h2', 5674, 'bob', 'p@ss', 'vhost/1'], ['h3', 5672, 'bob', 'p@ss', 'vhost/1'],
  ]);
  assert.deepEqual(brokerAddresses('amqps://[::1]:5999,broker/').map(nodeName), ['[::1]:5999', 'broker:5671']);
  assert.deepEqual(brokerAddresses('amqp://u:p@host/').map(nodeName), ['host:5672']);
  assert.deepEqual(splitHostList('amqp://u:p@a:1,b:2/v?x=1'), ['amqp://u:p@a:1/v?x=1', 'amqp://u:p@b:2/v?x=1']);
  assert.deepEqual(splitHostList('not a url'), ['not a url']);
});

test('brokerAddresses: an empty or malformed entry is a ConfigError without the password; parseBrokerUrl wants one host', () => {
  for (const bad of ['amqp://u:secret@h1,,h2/', 'amqp://u:secret@h1:5672,h2:x/', 'amqp://u:secret@h1,/']) {
    assert.throws(() => brokerAddresses(bad), (err: unknown) => err instanceof ConfigError && !err.message.includes('secret'), bad);
  }
  assert.throws(() => parseBrokerUrl('amqp://u:secret@h1,h2/'), (err: unknown) => err instanceof ConfigError && /several hosts/.test(err.message));
});

test('openAnyNode: a node that refuses TCP is skipped for the next one (logged), and the node connected to is told', async (t) => {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const dead = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const f = await fakeAmqp();
  t.after(() => f.close());
  const lines: string[] = [];
  const logger = Logger.silent();
  logger.warning = (m: string) => void lines.push(m);
  const url = `amqp://guest:guest@127.0.0.1:${dead},127.0.0.1:${f.port}/`;
  const c = await openAnyNode({ url, logger, connectTimeoutMs: 2000 });
  assert.equal(c.node, 1);
  assert.equal(nodeName(c.address), `127.0.0.1:${f.port}`);
  await c.model.close();
  assert.match(lines.join('\n'), new RegExp(`127\\.0\\.0\\.1:${dead}.*trying the next node`));
  // from the live node first: no attempt on the dead one
  const again = await connectWithRetry({ url, logger, connectTimeoutMs: 2000 }, undefined, 1);
  assert.equal(again.node, 1);
  await again.model.close();
  assert.equal(lines.length, 1);
});
