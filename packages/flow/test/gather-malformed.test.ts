// The message gatherer's malformed-notice warning names the notice's baseUrl and relPath, so an operator can tell which file was lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger } from '@sarra/common';
import type { Options } from '@sarra/config';
import type { Delivery } from '@sarra/broker';
import { MessageGatherer } from '../src/gather-message.js';

function delivery(tag: number, routingKey: string, body: string, contentType: string, headers: Record<string, unknown> = {}): Delivery {
  return { exchange: 'xpublic', routingKey, body: Buffer.from(body), contentType, headers, redelivered: false, deliveryTag: tag, generation: 1 };
}

test('gatherer: each malformed warning names baseUrl and relPath where they could be read', async () => {
  const deliveries = [
    delivery(1, 'v03.a', '{"pubTime": "20261322T074649.00693535805", "baseUrl": "http://up/", "relPath": "a/lost.dat"}', 'application/json'),
    delivery(2, 'v02.post.a', '20261203074649.0069 http://up/ a/lost%20too.dat', 'text/plain', { sum: 'q,1' }),
    delivery(3, 'v03.a', '{"pubTime": ', 'application/json'),
    delivery(4, 'v03.a', '{"pubTime": "20261203T074649.00693535805", "baseUrl": "http://up/", "relPath": "a/fine.dat"}', 'application/json'),
  ];
  const warnings: string[] = [];
  const logger = Logger.silent();
  logger.warning = (m: string) => { warnings.push(m); };
  const g = new MessageGatherer({ component: 'sarra', config: 'c' } as unknown as Options, { logger, instance: 1, stateDir: '/nonexistent' });
  const acked: number[] = [];
  (g as unknown as { consumer: unknown }).consumer = {
    next: async () => deliveries.splice(0),
    ack: (d: Delivery) => { acked.push(d.deliveryTag); },
    connected: true, stats: { disconnects: 0 }, queueDepth: async () => 0,
  };
  const items = await g.gather(10, new AbortController().signal);
  assert.deepEqual(items.map((i) => i.notice.relPath), ['a/fine.dat'], 'an 11-digit fraction is not malformed');
  assert.deepEqual(acked, [1, 2, 3]);
  assert.equal(warnings.length, 3);
  assert.match(warnings[0]!, /^malformed message from xpublic v03\.a baseUrl="http:\/\/up\/" relPath="a\/lost\.dat": pubTime: bad timestamp .* \(acked, dropped\)$/);
  assert.match(warnings[1]!, /^malformed message from xpublic v02\.post\.a baseUrl="http:\/\/up\/" relPath="a\/lost too\.dat": unknown v02 sum flag "q" \(acked, dropped\)$/);
  assert.match(warnings[2]!, /^malformed message from xpublic v03\.a: v03 body is not JSON/, 'nothing to name when the body cannot be read');
});
