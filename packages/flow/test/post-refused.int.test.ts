// Poster + Publisher against RabbitMQ: a publish the broker refuses (no such exchange, 404) fails once with the broker's
// reason, is never sent again by the publisher, waits in the post retry queue, and is posted once the exchange exists.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@sarra/common';
import type { Options } from '@sarra/config';
import { Consumer, declareTopology, Publisher } from '@sarra/broker';
import { withVhost } from '@sarra/testkit/rabbit';
import { DiskQueue } from '../src/diskqueue.js';
import { Poster } from '../src/post.js';

const v = await withVhost('sarra-post-refused');
const state = await mkdtemp(join(tmpdir(), 'post-refused-'));
after(async () => {
  await v.cleanup();
  await rm(state, { recursive: true, force: true });
});

function opts(): Options {
  return {
    component: 'shovel', config: 'c', broker: v.url, post_broker: v.url, post_exchange: 'xs_missing',
    post_exchangeSplit: 0, post_topicPrefix: 'v03', topicPrefix: 'v03', topicCopy: false, persistent: true, post_messageAgeMax: 0,
  } as unknown as Options;
}

/** A logger keeping warnings and errors as `level message` lines. */
function lines(): { lines: string[]; logger: Logger } {
  const out: string[] = [];
  const logger = Logger.silent();
  for (const level of ['warning', 'error'] as const) logger[level] = (m: string) => void out.push(`${level} ${m}`);
  return { lines: out, logger };
}

test('a publish to a missing exchange: one error with the broker\'s 404, no resend, the notice kept in the post retry queue, posted once the exchange exists', async () => {
  const { lines: log, logger } = lines();
  const publisher = new Publisher({ url: v.url, logger, backoff: { base: 0.05, max: 0.2 }, flushTimeoutMs: 10_000 });
  const queue = new DiskQueue(join(state, 'post_retry'), 0, { logger });
  const poster = new Poster(opts(), { publisher, logger, retryQueue: queue, relocate: false });
  await poster.start();
  try {
    const notice = { pubTime: '20240101T000000', baseUrl: 'http://up/', relPath: 'a/refused.txt', identity: { method: 'sha512', value: 'abc=' }, size: 3 };
    const lost = await poster.post([{ notice } as Parameters<Poster['post']>[0][number]]);
    assert.deepEqual(lost, [], 'nothing handed back as lost');
    assert.equal(poster.pending(), 1, 'the notice waits in the post retry queue');

    const failures = log.filter((l) => l.startsWith('warning post: '));
    assert.equal(failures.length, 1, log.join('\n'));
    assert.match(failures[0]!, /^warning post: 1 not confirmed, queued for retry: 1 of 1 messages not confirmed: the broker refused a publish: 404 \(NOT-FOUND\) with message "NOT_FOUND - no exchange 'xs_missing' in vhost '[^']+'"$/);
    assert.equal(publisher.stats.disconnects, 1, 'sent once: one channel closed by the broker, none for resends');

    await declareTopology({ url: v.url, exchanges: ['xs_missing'], queue: { name: 'q_refused' }, bindings: [{ exchange: 'xs_missing', key: 'v03.#' }] });
    await poster.retry(10);
    assert.equal(poster.pending(), 0, 'posted from the retry queue');
    assert.equal(publisher.stats.disconnects, 1, 'the retry went out on the reconnected channel');
    const c = new Consumer({ url: v.url, queue: { name: 'q_refused' }, bindings: [], prefetch: 10, declareQueue: false, bind: false });
    await c.start();
    try {
      const got = await c.next(10, 5000);
      assert.deepEqual(got.map((d) => (JSON.parse(d.body.toString()) as { relPath: string }).relPath), ['a/refused.txt']);
      assert.equal(got[0]!.routingKey, 'v03.a');
    } finally {
      await c.close();
    }
  } finally {
    await poster.close();
  }
});
