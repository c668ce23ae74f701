// Unit: the scheme registry, MQTT URL checks, and what the MQTT consumer and publisher do before or after a connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@sarra/common';
import { PublishError, brokerProtocol, openConsumer, openPublisher } from '@sarra/broker';

const spec = { queue: { name: 'q_x' }, bindings: [{ exchange: 'x', key: '#' }], prefetch: 1 };

test('one registry picks the protocol by URL scheme; another scheme is a ConfigError naming the URL without its password', () => {
  assert.equal(brokerProtocol('amqps://u@h/'), 'amqp');
  assert.equal(brokerProtocol('MQTTS://u@h'), 'mqtt');
  assert.throws(() => brokerProtocol('http://u:secret@h/'), (e: unknown) => e instanceof ConfigError && /no driver for 'http:'/.test(e.message) && !e.message.includes('secret'));
  assert.throws(() => openPublisher({ url: 'no scheme' }), ConfigError);
});

test('an MQTT URL without a host or that does not parse is a ConfigError', () => {
  assert.throws(() => openConsumer({ url: 'mqtt://', ...spec }), ConfigError);
  assert.throws(() => openConsumer({ url: 'mqtt://u:p@[bad', ...spec }), ConfigError);
});

test('an MQTT publisher closed before flushing reports every message failed; a consumer closed returns nothing', async () => {
  const p = openPublisher({ url: 'mqtt://127.0.0.1:1' });
  await p.close();
  p.publish('x', 'v03.a', Buffer.from('{}'));
  await assert.rejects(p.flush(), (e: unknown) => e instanceof PublishError && e.failed.length === 1 && /publisher closed/.test(e.message));
  await p.flush(); // nothing left: resolves
  const c = openConsumer({ url: 'mqtt://127.0.0.1:1', ...spec });
  assert.equal(c.connected, false);
  assert.deepEqual(await c.next(10, 20), []);
  assert.equal(await c.queueDepth(), undefined);
  const stale = { exchange: 'x', routingKey: 'v03', body: Buffer.alloc(0), headers: {}, redelivered: false, deliveryTag: 7, generation: 3 };
  c.ack(stale);
  c.ack({ ...stale, deliveryTag: 0 });
  await c.close();
  assert.deepEqual(await c.next(10, 1000), []);
  assert.equal(c.stats.disconnects, 0);
});
