// Protocol faults a real broker cannot produce, on the testkit's fake AMQP server: what openConnection,
// Consumer and Publisher do with malformed, oversized and truncated frames, a server that stops mid-frame
// or stops beating. Beside the real-RabbitMQ tests (*.int.test.ts), never instead of them.
import { afterEach, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger, TransientError } from '@sarra/common';
import { AbortedError, Consumer, openConnection, Publisher, PublishError, type ConsumerOptions, type PublisherOptions } from '@sarra/broker';
import { enc, fakeAmqp, frame, FRAME, methodFrame, type ClientMethod, type FakeAmqp, type FakeConnection, type TuneOptions } from '@sarra/testkit/fake-amqp';

// a fault must never escape as an unhandled rejection or an uncaught exception (the instance would die)
const stray: unknown[] = [];
process.on('unhandledRejection', (r) => stray.push(r));
process.on('uncaughtException', (e) => stray.push(e));
afterEach(() => {
  assert.deepEqual(stray.splice(0), [], 'no unhandled rejection or uncaught exception');
});

const fast = { base: 0.05, max: 0.4 };

async function waitUntil(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves 'settled' when `p` settles, 'pending' if it has not after `ms`. */
function settles(p: Promise<unknown>, ms: number): Promise<'settled' | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(() => 'settled' as const, () => 'settled' as const),
    new Promise<'pending'>((r) => (timer = setTimeout(() => r('pending'), ms))),
  ]).finally(() => clearTimeout(timer));
}

interface Harness {
  f: FakeAmqp;
  logger: Logger;
  /** What the logger wrote so far. */
  log(): Promise<string>;
  consumer(o?: Partial<ConsumerOptions>): Consumer;
  publisher(o?: Partial<PublisherOptions>): Publisher;
}

/**
 * A fake server, a debug logger writing to a temp file, and clients made through it; after the test the
 * clients are closed (a close that hangs is given up after 5 s), then the fake, then the temp file.
 */
async function harness(t: TestContext, script?: (c: FakeConnection) => void, tune?: TuneOptions): Promise<Harness> {
  const f = await fakeAmqp(script, tune);
  const dir = await mkdtemp(join(tmpdir(), 'sarra-fake-amqp-'));
  const file = join(dir, 'log');
  const logger = Logger.create('faults', { file, level: 'debug' });
  const clients: { close(): Promise<void> }[] = [];
  t.after(async () => {
    await Promise.all(clients.map((c) => settles(c.close(), 5000)));
    await f.close();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    f,
    logger,
    log: () => readFile(file, 'utf8').catch(() => ''),
    consumer: (o = {}) => {
      const c = new Consumer({
        url: f.url, logger, backoff: fast, connectTimeoutMs: 2000, prefetch: 10,
        queue: { name: 'q_fake' }, bindings: [{ exchange: 'xs_fake', key: 'v03.#' }], ...o,
      });
      clients.push(c);
      return c;
    },
    publisher: (o = {}) => {
      const p = new Publisher({ url: f.url, logger, backoff: fast, ...o });
      clients.push(p);
      return p;
    },
  };
}

/** Connection `n` once the consumer on it is consuming: the connection, its consume channel and consumer tag. */
async function consuming(f: FakeAmqp, n: number): Promise<{ conn: FakeConnection; ch: number; tag: string }> {
  const conn = await f.connection(n);
  await conn.waitFor('basic.consume');
  const { channel, tag } = conn.consumers[0]!;
  return { conn, ch: channel, tag };
}

/** basic.deliver arguments (consumer tag, delivery tag, redelivered, exchange, routing key). */
function deliverArgs(tag: string, deliveryTag: number): Buffer {
  return Buffer.concat([enc.shortstr(tag), enc.longlong(deliveryTag), enc.octet(0), enc.shortstr('xs_fake'), enc.shortstr('v03.a')]);
}

test('the fake answers like a broker: a Consumer consumes and acks, a Publisher gets its confirms', async (t) => {
  const h = await harness(t);
  const c = h.consumer();
  await c.start();
  const { conn, ch, tag } = await consuming(h.f, 0);
  conn.deliver(ch, tag, 1, 'v03.a', Buffer.from('one'));
  const got = await c.next(10, 2000);
  assert.deepEqual(got.map((d) => d.body.toString()), ['one']);
  c.ack(got[0]!);
  const ack = await conn.waitFor('basic.ack');
  assert.equal(ack.args.readBigUInt64BE(0), 1n);

  const p = h.publisher();
  await p.start();
  for (let i = 0; i < 3; i++) p.publish('xs_fake', 'v03.b', Buffer.from(`m${i}`));
  await p.flush();
  assert.equal(h.f.connections[1]!.received.filter((m) => m.name === 'basic.publish').length, 3);
});

/**
 * Consumes one message on connection 0, injects `fault`, and checks what a user of Consumer sees: next()
 * never throws; the loss is logged naming the fault; the consumer reconnects after a back-off, re-declares
 * and consumes again; the delivery of the dead connection is never acked anywhere; new deliveries flow.
 * Returns ms from the fault to the loss being noticed.
 */
async function faultWhileConsuming(
  t: TestContext,
  fault: (conn: FakeConnection, ch: number, tag: string) => void,
  named: RegExp,
  o: { tune?: TuneOptions; heartbeat?: number; noticeMs?: number } = {},
): Promise<number> {
  const h = await harness(t, undefined, o.tune);
  const c = h.consumer({ heartbeat: o.heartbeat ?? 0 });
  await c.start();
  const first = await consuming(h.f, 0);
  first.conn.deliver(first.ch, first.tag, 1, 'v03.a', Buffer.from('before'));
  const before = await c.next(10, 2000);
  assert.deepEqual(before.map((d) => [d.body.toString(), d.generation]), [['before', 1]]);

  const t0 = Date.now();
  fault(first.conn, first.ch, first.tag);
  await waitUntil(() => c.stats.disconnects === 1, o.noticeMs ?? 10_000, 'the consumer notices the loss');
  const noticed = Date.now() - t0;
  const second = await consuming(h.f, 1);
  assert.ok(second.conn.acceptedAt - t0 >= (fast.base * 1000) / 2 - 5, 'reconnected after a back-off, not in a tight loop');
  assert.ok(second.conn.received.some((m) => m.name === 'queue.declare'), 'the queue is re-declared on the new connection');
  await waitUntil(() => c.connected, 2000, 'connected again');

  c.ack(before[0]!); // of the dead generation: dropped (the broker redelivers it)
  second.conn.deliver(second.ch, second.tag, 1, 'v03.a', Buffer.from('after'));
  const after = await c.next(10, 2000);
  assert.deepEqual(after.map((d) => [d.body.toString(), d.generation]), [['after', 2]]);
  c.ack(after[0]!);
  const ack = await second.conn.waitFor('basic.ack');
  assert.equal(ack.args.readBigUInt64BE(0), 1n, 'the new delivery is acked on the new connection');
  assert.ok(!first.conn.received.some((m) => m.name === 'basic.ack'), 'nothing acked on the dead connection');
  assert.equal(second.conn.received.filter((m) => m.name === 'basic.ack').length, 1, 'the stale ack never reached the new connection');

  const log = await h.log();
  assert.match(log, named);
  assert.match(log, /\[WARNING\] .*connection lost; reconnecting/);
  assert.match(log, /connected to amqp:\/\/guest@127\.0\.0\.1:\d+\/%2F \(sarra-ts consumer q_fake\), generation 2/);
  assert.doesNotMatch(log, /guest:guest/, 'password redacted');
  return noticed;
}

test('a frame whose frame-end octet is wrong: connection error "Invalid frame", reconnect', async (t) => {
  await faultWhileConsuming(t, (conn, ch, tag) => conn.write(frame(FRAME.method, ch, Buffer.concat([enc.short(60), enc.short(60), deliverArgs(tag, 2)]), { end: 0 })),
    /connection closed: Invalid frame/);
});

test('an unknown frame type: connection error naming it, reconnect', async (t) => {
  await faultWhileConsuming(t, (conn) => conn.write(frame(9, 0, Buffer.alloc(4))), /connection closed: Unknown frame type 9/);
});

test('a method the client does not know (class 999): connection error, reconnect', async (t) => {
  await faultWhileConsuming(t, (conn, ch) => conn.write(methodFrame(ch, 999, 1)), /connection closed: Unknown class\/method ID/);
});

test('a basic.deliver whose arguments are cut short: connection error (in amqplib\'s words, a buffer overrun), reconnect', async (t) => {
  // consumer tag announced as 40 bytes, 3 present, nothing after
  await faultWhileConsuming(t, (conn, ch) => conn.write(frame(FRAME.method, ch, Buffer.concat([enc.short(60), enc.short(60), Buffer.from([40, 0x61, 0x62, 0x63])]))),
    /connection closed: Attempt to access memory outside buffer bounds/);
});

test('a frame on a channel that was never opened: connection error naming it, reconnect', async (t) => {
  await faultWhileConsuming(t, (conn, _ch, tag) => conn.write(methodFrame(7, 60, 60, deliverArgs(tag, 2))), /connection error: Frame on unknown channel/);
});

test('a frame header announcing 2 GiB: refused on the header (nothing buffered), reconnect', async (t) => {
  const noticed = await faultWhileConsuming(t, (conn, ch) => conn.write(frame(FRAME.body, ch, Buffer.alloc(16), { size: 0x7fffffff }).subarray(0, 23)),
    /connection closed: Frame size 2147483647 exceeds maxFrameSize/);
  assert.ok(noticed < 1000, `refused on the header (${noticed} ms)`);
});

test('the server stops mid-frame and closes: "Unexpected close", reconnect', async (t) => {
  await faultWhileConsuming(t, (conn, ch, tag) => {
    conn.write(methodFrame(ch, 60, 60, deliverArgs(tag, 2)).subarray(0, 12));
    conn.end();
  }, /connection closed: Unexpected close/);
});

test('the server stops mid-frame and hangs with the socket open: heartbeat timeout, reconnect', async (t) => {
  const noticed = await faultWhileConsuming(t, (conn, ch, tag) => {
    conn.write(methodFrame(ch, 60, 60, deliverArgs(tag, 2)).subarray(0, 12));
    conn.silence();
  }, /connection closed: Heartbeat timeout/, { tune: { heartbeat: 1 }, heartbeat: 1 });
  assert.ok(noticed < 5000, `noticed within a few heartbeats (${noticed} ms)`);
});

test('the heartbeat never comes (methods still answered): heartbeat timeout, reconnect', async (t) => {
  const noticed = await faultWhileConsuming(t, (conn) => conn.stopHeartbeats(), /connection closed: Heartbeat timeout/, { tune: { heartbeat: 1 }, heartbeat: 1 });
  assert.ok(noticed >= 1000 && noticed < 5000, `after two silent heartbeat intervals (${noticed} ms)`);
});

test('a frame over the negotiated frame-max is a connection error (AMQP 0-9-1 section 4.2.3: 501 frame-error)', async (t) => {
  let told: Promise<ClientMethod> | undefined;
  await faultWhileConsuming(t, (conn, ch, tag) => {
    told = conn.waitFor('connection.close');
    conn.deliver(ch, tag, 2, 'v03.a', Buffer.alloc(1024 * 1024, 0x61));
  }, /connection closed: Frame size 1048576 exceeds maxFrameSize 131064/, { noticeMs: 1000 });
  const close = await told!;
  assert.equal(close.args.readUInt16BE(0), 501, 'the broker is told: connection.close 501 frame-error');
  assert.match(close.args.subarray(3, 3 + close.args.readUInt8(2)).toString(), /^FRAME_ERROR - Frame size 1048576 exceeds maxFrameSize 131064$/);
});

test('a frame-max the broker lowers in connection.tune holds: a body frame of the 131072 proposed is refused', async (t) => {
  // 4096 negotiated: a frame of 4088 payload bytes is the largest allowed; the body below is one frame of 8192
  await faultWhileConsuming(t, (conn, ch, tag) => conn.deliver(ch, tag, 2, 'v03.a', Buffer.alloc(8192, 0x61)),
    /connection closed: Frame size 8192 exceeds maxFrameSize 4088/, { tune: { frameMax: 4096 }, noticeMs: 1000 });
});

test('a body frame of exactly frame-max (payload frame-max - 8) is taken', async (t) => {
  const h = await harness(t, undefined, { frameMax: 4096 });
  const c = h.consumer();
  await c.start();
  const { conn, ch, tag } = await consuming(h.f, 0);
  conn.deliver(ch, tag, 1, 'v03.a', Buffer.alloc(4088, 0x61));
  const got = await c.next(10, 2000);
  assert.deepEqual(got.map((d) => d.body.length), [4088]);
  assert.equal(c.stats.disconnects, 0);
});

// ---- a broker that stops answering

test('close() against a broker that stopped answering resolves promptly, dropping the socket; unacked deliveries left to the broker', async (t) => {
  const h = await harness(t);
  const c = new Consumer({ url: h.f.url, logger: h.logger, backoff: fast, prefetch: 1, queue: { name: 'q_fake' }, bindings: [] });
  await c.start();
  const { conn } = await consuming(h.f, 0);
  conn.silence();
  conn.deliver(1, conn.consumers[0]!.tag, 1, 'v03.a', Buffer.from('unacked'));
  assert.equal((await c.next(1, 2000)).length, 1);
  conn.silence();
  const closing = c.close();
  t.after(() => settles(closing, 5000)); // the harness closes the fake first, which ends the hang
  assert.equal(await settles(closing, 2000), 'settled', 'close() returned within 2 s');
  assert.equal(await settles(conn.closed, 500), 'settled', 'the socket was dropped (the broker requeues what was unacked)');
  assert.ok(conn.received.some((m) => m.name === 'connection.close'), 'connection.close was tried first');
  assert.ok(!conn.received.some((m) => m.name === 'basic.ack'), 'nothing acked');
  assert.match(await h.log(), /connection error: no answer to connection\.close within \d{3} ms; socket dropped/);
  assert.equal(h.f.connections.length, 1, 'no new connection');
});

test('a connection lost while close() waits for basic.cancel-ok: close() returns, no new connection', async (t) => {
  const h = await harness(t, (c) => c.intercept('basic.cancel', () => c.destroy()));
  const c = h.consumer();
  await c.start();
  await consuming(h.f, 0);
  assert.equal(await settles(c.close(), 2000), 'settled');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(h.f.connections.length, 1, 'no connection opened by close()');
});

test('a setup the broker never answers (queue.declare) is given up, logged naming it, and retried on a new connection', async (t) => {
  const h = await harness(t, (c) => {
    if (c.index === 0) c.intercept('queue.declare', () => {});
  }, { heartbeat: 1 });
  const c = h.consumer({ heartbeat: 1, connectTimeoutMs: 500 });
  assert.equal(await settles(c.start(), 3000), 'settled', 'start() retried on a new connection within 3 s');
  assert.equal(h.f.connections.length, 2);
  assert.equal(await settles(h.f.connections[0]!.closed, 2000), 'settled', 'the hung connection is closed');
  assert.ok((await consuming(h.f, 1)).tag, 'consuming on the second connection');
  assert.match(await h.log(), /\[WARNING\] .*setup failed: no answer within 500 ms to declare queue q_fake; retrying in 0\.\d s/);
});

// ---- the opening handshake: openConnection() throws ERR_BROKER_CONNECT, a TransientError, naming the fault

async function refusedConnect(t: TestContext, script: (c: FakeConnection) => void, named: RegExp, timeoutMs = 2000): Promise<number> {
  const h = await harness(t, script);
  const t0 = Date.now();
  const err = await openConnection({ url: h.f.url, connectTimeoutMs: timeoutMs }).then(
    () => assert.fail('connected to a faulty server'),
    (e: unknown) => e,
  );
  const ms = Date.now() - t0;
  assert.ok(err instanceof TransientError, `a TransientError (retry), got ${String(err)}`);
  assert.equal(err.code, 'ERR_BROKER_CONNECT');
  assert.match(err.message, /^cannot connect to amqp:\/\/guest@127\.0\.0\.1:\d+\/%2F: /);
  assert.match(err.message, named);
  assert.doesNotMatch(err.message, /guest:guest/);
  await h.f.connections[0]!.closed; // the client let go of the socket
  return ms;
}

test('a server that accepts TCP and never says Connection.Start: connect timeout', async (t) => {
  const ms = await refusedConnect(t, (c) => c.silence(), /connect ETIMEDOUT/, 300);
  assert.ok(ms >= 290 && ms < 2000, `after connectTimeoutMs (${ms} ms)`);
});

test('a server that stops mid-frame in the handshake: connect timeout', async (t) => {
  const ms = await refusedConnect(t, (c) => c.intercept('connection.start-ok', () => {
    c.write(methodFrame(0, 10, 30, enc.short(2047), enc.long(131072), enc.short(0)).subarray(0, 9));
    c.silence();
  }), /connect ETIMEDOUT/, 300);
  assert.ok(ms >= 290 && ms < 2000, `after connectTimeoutMs (${ms} ms)`);
});

test('a server that hangs up mid-handshake: "Socket closed abruptly during opening handshake"', async (t) => {
  await refusedConnect(t, (c) => c.intercept('connection.start-ok', () => c.destroy()), /Socket closed abruptly during opening handshake/);
});

test('a server that speaks HTTP on the AMQP port: refused at once (amqplib reads "HTTP" as a 1.3 GB frame)', async (t) => {
  const ms = await refusedConnect(t, (c) => c.intercept('protocol-header', () => {
    c.write(Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
    c.end();
  }), /Frame size 1345270062 exceeds maxFrameSize/, 5000);
  assert.ok(ms < 2000, `not after the connect timeout (${ms} ms)`);
});

test('a Connection.Start without the PLAIN mechanism: refused naming it', async (t) => {
  await refusedConnect(t, (c) => c.intercept('protocol-header', () => {
    c.method(0, 10, 10, enc.octet(0), enc.octet(9), enc.emptyTable(), enc.longstr('EXTERNAL'), enc.longstr('en_US'));
  }), /SASL mechanism PLAIN is not provided by the server/);
});

// ---- back-off

test('a server that drops every connection: Consumer.start() retries with growing, jittered back-off; close() stops it', async (t) => {
  const h = await harness(t, (c) => c.intercept('protocol-header', () => c.destroy()));
  const c = h.consumer();
  const started = c.start().then(() => assert.fail('started against a server that drops everything'), (e: unknown) => e);
  await waitUntil(() => h.f.connections.length >= 6, 10_000, '6 connection attempts');
  await c.close();
  const err = await started;
  assert.ok(err instanceof AbortedError, `start() rejects with AbortedError after close(), got ${String(err)}`);
  const at = h.f.connections.map((x) => x.acceptedAt);
  for (let k = 0; k < 5; k++) {
    const cap = Math.min(fast.max, fast.base * 2 ** k) * 1000;
    const gap = at[k + 1]! - at[k]!;
    assert.ok(gap >= cap / 2 - 5 && gap <= cap + 500, `attempt ${k + 1} waited ${gap} ms: within [${cap / 2}, ${cap}] (+ slack)`);
  }
  const n = h.f.connections.length;
  await new Promise((r) => setTimeout(r, 3 * fast.max * 1000));
  assert.equal(h.f.connections.length, n, 'no attempt after close()');
  const log = await h.log();
  assert.match(log, /\[WARNING\] .*cannot connect to amqp:\/\/guest@127\.0\.0\.1:\d+\/%2F: Socket closed abruptly during opening handshake; retrying in 0\.\d s/);
  assert.doesNotMatch(log, /guest:guest/);
});

// ---- publisher confirms

test('confirms never come, then the server stops mid-frame: the unconfirmed messages are sent again on the next connection, flush() resolves', async (t) => {
  const h = await harness(t, (c) => {
    if (c.index === 0) c.intercept('publish-complete', () => {}); // swallowed: no basic.ack
  });
  const p = h.publisher({ flushTimeoutMs: 10_000 });
  await p.start();
  const bodies = [0, 1, 2].map((i) => Buffer.from(`m${i}`));
  for (const b of bodies) p.publish('xs_fake', 'v03.b', b);
  const flushed = p.flush();
  const conn0 = await h.f.connection(0);
  await waitUntil(() => conn0.received.filter((m) => m.name === 'basic.publish').length === 3, 2000, '3 publishes sent');
  conn0.write(methodFrame(1, 60, 80, enc.longlong(1), enc.octet(0)).subarray(0, 10));
  conn0.end();
  await flushed;
  assert.match(await h.log(), /connection closed: Unexpected close/);
  const conn1 = await h.f.connection(1);
  assert.equal(conn1.received.filter((m) => m.name === 'basic.publish').length, 3, 'the three sent again, once each');
});

test('confirms never come on any connection: after 3 resends flush() rejects with every message failed, the caller\'s buffers', async (t) => {
  const h = await harness(t, (c) => {
    c.intercept('publish-complete', () => c.destroy()); // no basic.ack, and the connection drops
  });
  const p = h.publisher({ flushTimeoutMs: 20_000, backoff: { base: 0.05, max: 0.1 } });
  await p.start();
  const bodies = [0, 1].map((i) => Buffer.from(`m${i}`));
  for (const b of bodies) p.publish('xs_fake', 'v03.b', b);
  const err = await p.flush().then(() => assert.fail('flush() resolved without confirms'), (e: unknown) => e);
  assert.ok(err instanceof PublishError, `PublishError, got ${String(err)}`);
  assert.equal(err.confirmed, 0);
  assert.deepEqual(err.failed.map((m) => m.body), bodies);
  assert.match(err.message, /2 of 2 messages not confirmed/);
  assert.ok(await h.f.connection(3), 'sent on the first connection and resent on three more');
});

test('a confirm for a message never published: the real one is reported unconfirmed after flushTimeoutMs, no crash', async (t) => {
  const h = await harness(t, (c) => {
    if (c.index === 0) c.intercept('publish-complete', (x, m) => x.method(m.channel, 60, 80, enc.longlong(99), enc.octet(0)));
  });
  const p = h.publisher({ flushTimeoutMs: 500 });
  await p.start();
  p.publish('xs_fake', 'v03.b', Buffer.from('x'));
  const t0 = Date.now();
  const err = await p.flush().then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof PublishError, `the message is reported unconfirmed, got ${String(err)}`);
  assert.match(err.message, /not confirmed within 500 ms/);
  assert.ok(Date.now() - t0 < 2000);
});

test('the broker closes the channel in answer to a publish (404): flush() rejects once with its reason, nothing sent again', async (t) => {
  const h = await harness(t, (c) => {
    // the first publish is refused; the broker ignores what follows on the closing channel
    if (c.index === 0) {
      c.intercept('publish-complete', (x, m) => {
        if (m.args.readBigUInt64BE(0) === 1n) {
          x.method(m.channel, 20, 40, enc.short(404), enc.shortstr("NOT_FOUND - no exchange 'xs_missing' in vhost '/'"), enc.short(60), enc.short(40));
        }
      });
    }
  });
  const p = h.publisher({ flushTimeoutMs: 10_000 });
  await p.start();
  const bodies = [0, 1].map((i) => Buffer.from(`m${i}`));
  for (const b of bodies) p.publish('xs_missing', 'v03.b', b);
  const err = await p.flush().then(() => assert.fail('flush() resolved after a refusal'), (e: unknown) => e);
  assert.ok(err instanceof PublishError, `PublishError, got ${String(err)}`);
  assert.deepEqual(err.failed.map((m) => m.body), bodies, 'the refused one and the one after it, which the broker dropped unread');
  assert.deepEqual(err.unpublishable, [], 'retryable later (the exchange may appear), not dropped');
  assert.equal(err.message, "2 of 2 messages not confirmed: the broker refused a publish: 404 (NOT-FOUND) with message \"NOT_FOUND - no exchange 'xs_missing' in vhost '/'\"");

  p.publish('xs_fake', 'v03.b', Buffer.from('next'));
  await p.flush(); // on the next connection, confirmed
  const sent = h.f.connections.map((c) => c.received.filter((m) => m.name === 'basic.publish').length);
  assert.deepEqual(sent, [2, 1], 'the refused ones were sent once, never again');
});
