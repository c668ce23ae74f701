// The STOMP client against RabbitMQ's real STOMP plugin (127.0.0.1:61613), in a fresh vhost for this file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionLostError } from '@sarra/common';
import { closeAllConnections, withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { StompBrokerError, StompClient } from '../src/stomp/client.js';
import type { Frame } from '../src/stomp/frame.js';

let vh: TestVhost;
before(async () => { vh = await withVhost('ssm-stomp'); });
after(async () => { await vh?.cleanup(); });

const opts = () => ({ host: '127.0.0.1', port: 61613, login: 'guest', passcode: 'guest', vhost: vh.vhost, heartBeat: [1000, 1000] as [number, number] });

test('send with receipts, subscribe with client acks: bodies and SSM headers arrive byte-exact', async () => {
  const rx = await StompClient.connect(opts());
  const got: Frame[] = [];
  let done!: () => void;
  const all = new Promise<void>((r) => { done = r; });
  await rx.subscribe('/queue/ssm-t1', (f) => { got.push(f); rx.ack(f); if (got.length === 3) done(); });
  const tx = await StompClient.connect(opts());
  assert.equal(tx.server.version, '1.2');
  const bodies = [Buffer.from('one\n'), Buffer.from('two\0with NUL'), Buffer.from('trois é ✓\r\n')];
  for (const [i, b] of bodies.entries()) await tx.send('/queue/ssm-t1', b, { 'empa-id': `6a4f/0000${i}`, persistent: 'true' }, `6a4f/0000${i}`);
  await tx.ping();
  await all;
  assert.deepEqual(got.map((f) => f.body), bodies);
  assert.deepEqual(got.map((f) => f.headers['empa-id']), ['6a4f/00000', '6a4f/00001', '6a4f/00002']);
  await tx.disconnect();
  await rx.disconnect();
});

test('a broker ERROR (bad destination) rejects the send and closes the connection', async () => {
  const c = await StompClient.connect(opts());
  const closed = new Promise((r) => c.once('close', r));
  await assert.rejects(c.send('/nonsense/x', Buffer.from('x')), StompBrokerError);
  await closed;
  assert.equal(c.isOpen, false);
});

test('a wrong vhost or password is refused at connect', async () => {
  await assert.rejects(StompClient.connect({ ...opts(), vhost: 'no-such-vhost-ssm' }), (e: unknown) => e instanceof StompBrokerError || e instanceof ConnectionLostError);
  await assert.rejects(StompClient.connect({ ...opts(), passcode: 'wrong' }), (e: unknown) => e instanceof StompBrokerError || e instanceof ConnectionLostError);
});

test('a connection closed by the broker emits close and rejects a pending receipt with ConnectionLostError', async () => {
  const c = await StompClient.connect(opts());
  const closed = new Promise<unknown>((r) => c.once('close', r));
  const n = await closeAllConnections(vh.vhost);
  assert.ok(n >= 1);
  await closed;
  await assert.rejects(c.send('/queue/ssm-t1', Buffer.from('late')), ConnectionLostError);
});
