// Integration: the real RabbitMQ refusing a login (403) or a vhost (530): BrokerRefusedError at once, naming the user and
// the broker without the password; a Consumer's first start is refused, never retried; retryRefused keeps trying.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger } from '@sarra/common';
import { BrokerRefusedError, Consumer, openConnection } from '@sarra/broker';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';

let v: TestVhost;
before(async () => {
  v = await withVhost('broker-refused');
});
after(async () => {
  await v?.cleanup();
});

test('a wrong password: BrokerRefusedError 403 naming user and broker, password hidden', async () => {
  const url = v.url.replace('guest:guest@', 'guest:hunter2@');
  const err = await openConnection({ url }).then(() => assert.fail('logged in with a wrong password'), (e: unknown) => e);
  assert.ok(err instanceof BrokerRefusedError, String(err));
  assert.equal(err.code, 'ERR_BROKER_REFUSED');
  assert.equal(err.replyCode, 403);
  assert.equal(err.user, 'guest');
  assert.equal(err.message, `broker amqp://guest@127.0.0.1:5672/${v.vhost} refused the login of user 'guest' (403 ACCESS-REFUSED: wrong password or unknown user)`);
  assert.doesNotMatch(err.message, /hunter2/);
});

test('a vhost that does not exist: BrokerRefusedError 530', async () => {
  const url = v.url.replace(/\/[^/]*$/, '/no-such-vhost');
  const err = await openConnection({ url }).then(() => assert.fail('opened a missing vhost'), (e: unknown) => e);
  assert.ok(err instanceof BrokerRefusedError, String(err));
  assert.equal(err.replyCode, 530);
  assert.match(err.message, /refused user 'guest' the vhost \(530 NOT-ALLOWED/);
});

test('Consumer.start() is refused at once (no back-off); with retryRefused it keeps retrying until aborted', async () => {
  const url = v.url.replace('guest:guest@', 'guest:hunter2@');
  const lines: string[] = [];
  const logger = Logger.silent();
  logger.warning = (m: string) => void lines.push(m);
  const spec = { url, logger, queue: { name: 'q_guest.refused' }, bindings: [], prefetch: 1, backoff: { base: 0.05, max: 0.1 } };
  const t0 = Date.now();
  await assert.rejects(new Consumer(spec).start(), BrokerRefusedError);
  assert.ok(Date.now() - t0 < 5000);
  assert.equal(lines.filter((l) => l.includes('retrying')).length, 0, lines.join('\n'));

  const ac = new AbortController();
  const c = new Consumer({ ...spec, signal: ac.signal, retryRefused: true });
  const started = c.start().then(() => 'connected', (e: unknown) => (e as Error).name);
  await new Promise((r) => setTimeout(r, 1000));
  ac.abort();
  assert.equal(await started, 'AbortedError');
  assert.ok(lines.filter((l) => l.includes('refused the login') && l.includes('retrying')).length >= 2, lines.join('\n'));
  await c.close();
});
