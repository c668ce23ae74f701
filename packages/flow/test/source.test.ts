// The source a received notice goes on with: source, sourceFromExchange, sourceFromMessage (sr3's deriveSource).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger } from '@sarra/common';
import type { Options } from '@sarra/config';
import type { Delivery } from '@sarra/broker';
import { encode, type Notice } from '@sarra/message';
import { MessageGatherer, deriveSource } from '../src/gather-message.js';

const notice = (source?: string): Notice => ({ pubTime: '20240101T000000', baseUrl: 'http://h/', relPath: 'a/b', ...(source ? { source } : {}) });
const o = (over: Partial<Options>): Options => ({ source: undefined, sourceFromExchange: false, sourceFromMessage: false, ...over }) as unknown as Options;

test('sourceFromExchange overwrites the notice\'s source with the xs_ user; sourceFromMessage keeps the notice\'s own', () => {
  const n = notice('upstream');
  deriveSource(o({ sourceFromExchange: true }), n, 'xs_alice_sub');
  assert.equal(n.source, 'alice');
  const kept = notice('upstream');
  deriveSource(o({ sourceFromExchange: true, sourceFromMessage: true }), kept, 'xs_alice');
  assert.equal(kept.source, 'upstream');
  // a notice naming none gets the exchange's user even with sourceFromMessage
  const none = notice();
  deriveSource(o({ sourceFromExchange: true, sourceFromMessage: true }), none, 'xs_alice');
  assert.equal(none.source, 'alice');
});

test('a configured source wins over the exchange; sourceFromMessage still keeps a notice\'s own; nothing set: unchanged', () => {
  const n = notice('upstream');
  deriveSource(o({ source: 'pump', sourceFromExchange: true }), n, 'xs_alice');
  assert.equal(n.source, 'pump');
  const kept = notice('upstream');
  deriveSource(o({ source: 'pump', sourceFromMessage: true }), kept, 'xpublic');
  assert.equal(kept.source, 'upstream');
  const plain = notice('upstream');
  deriveSource(o({}), plain, 'xs_alice');
  assert.equal(plain.source, 'upstream');
});

test('the gatherer applies it to every notice it takes in', async () => {
  const w = encode(notice('upstream'), 'v03');
  const deliveries: Delivery[] = [{ exchange: 'xs_alice', routingKey: w.routingKey, body: w.body, contentType: 'application/json', headers: {}, redelivered: false, deliveryTag: 1, generation: 1 }];
  const g = new MessageGatherer(o({ sourceFromExchange: true, sourceFromMessage: true }), { logger: Logger.silent(), instance: 1, stateDir: '/nonexistent' });
  (g as unknown as { consumer: unknown }).consumer = { next: async () => deliveries.splice(0), ack: () => {}, connected: true, stats: { disconnects: 0 }, queueDepth: async () => 0 };
  const items = await g.gather(10, new AbortController().signal);
  assert.equal(items[0]!.notice.source, 'upstream');
});
