// Integration: amqps with tlsRigour against the real RabbitMQ behind a TLS front (a self-signed certificate the
// trust store does not know): normal refuses it, lax connects and declares, strict refuses it even when the process
// has certificate checks switched off (NODE_TLS_REJECT_UNAUTHORIZED=0), which normal then honours.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TransientError } from '@sarra/common';
import { openConnection, declareTopology } from '@sarra/broker';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { startTlsFront, type TlsFront } from '@sarra/testkit/tls-front';

let v: TestVhost;
let front: TlsFront;
before(async () => {
  v = await withVhost();
  front = await startTlsFront();
});
after(async () => {
  await front?.close();
  await v?.cleanup();
});

async function connects(tlsRigour?: string): Promise<true | string> {
  try {
    const m = await openConnection({ url: front.url(v.vhost), tlsRigour, connectTimeoutMs: 5000 });
    await m.close();
    return true;
  } catch (err: unknown) {
    assert.ok(err instanceof TransientError, String(err));
    return err.message;
  }
}

test('normal (the default) refuses the untrusted certificate, naming it', async () => {
  assert.match(String(await connects()), /self[- ]signed certificate/i);
  assert.match(String(await connects('normal')), /self[- ]signed certificate/i);
});

test('lax connects to it and declares on the broker behind', async () => {
  assert.equal(await connects('lax'), true);
  await declareTopology({ url: front.url(v.vhost), tlsRigour: 'lax', exchanges: ['xs_guest'], queue: { name: 'q_guest.tls' } });
  assert.ok(await v.mgmt.queue(v.vhost, 'q_guest.tls'), 'queue declared through amqps');
});

test('strict refuses it even with NODE_TLS_REJECT_UNAUTHORIZED=0, which normal follows', async () => {
  const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  const warn = process.emitWarning;
  process.emitWarning = () => {};
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  try {
    assert.equal(await connects('normal'), true, 'normal is node\'s default behaviour, process settings included');
    assert.match(String(await connects('strict')), /self[- ]signed certificate/i);
  } finally {
    if (saved === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
    process.emitWarning = warn;
  }
});
