// Poster: a notice that can never be published (v02 header over 255 bytes, a message the AMQP client refuses) is reported and dropped, never retried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger, TransientError } from '@sarra/common';
import type { Options } from '@sarra/config';
import type { PublishOptions } from '@sarra/broker';
import { Poster, type PublisherLike } from '../src/post.js';
import type { FlowMetrics, RetryQueue, WorkItem } from '../src/types.js';

function opts(over: Record<string, unknown> = {}): Options {
  return {
    component: 'shovel', config: 'c', broker: 'amqp://bob@localhost/', post_broker: 'amqp://bob@localhost/', post_exchange: 'xpub',
    post_exchangeSplit: 0, post_topicPrefix: 'v02.post', topicPrefix: 'v03', topicCopy: false, persistent: true, post_messageAgeMax: 0,
    ...over,
  } as unknown as Options;
}

class FakePublisher implements PublisherLike {
  sent: { key: string; body: Buffer; opts?: PublishOptions }[] = [];
  /** the next flush reports the last message as refused by the client's encoder */
  refuseLast = false;
  async start(): Promise<void> {}
  publish(_x: string, key: string, body: Buffer, o?: PublishOptions): void { this.sent.push({ key, body, opts: o }); }
  async flush(): Promise<void> {
    if (!this.refuseLast) return;
    this.refuseLast = false;
    const last = this.sent[this.sent.length - 1]!;
    const m = { exchange: 'xpub', routingKey: last.key, body: last.body, options: {} };
    throw Object.assign(new TransientError('1 of 2 not confirmed'), { failed: [m], unpublishable: [{ ...m, error: 'RangeError: field table too large' }] });
  }
  async close(): Promise<void> {}
}

class MemQueue implements RetryQueue {
  items: WorkItem[] = [];
  async open(): Promise<void> {}
  async put(items: WorkItem[]): Promise<void> { this.items.push(...items); }
  async get(max: number): Promise<WorkItem[]> { return this.items.splice(0, max); }
  size(): number { return this.items.length; }
  async housekeeping(): Promise<void> {}
  async close(): Promise<void> {}
}

class Lines {
  lines: string[] = [];
  logger(): Logger {
    const l = Logger.silent();
    for (const level of ['debug', 'info', 'warning', 'error'] as const) {
      (l as unknown as Record<string, (m: string) => void>)[level] = (m: string) => { this.lines.push(`${level} ${m}`); };
    }
    return l;
  }
}

function counter(): { counts: Map<string, number>; metrics: FlowMetrics } {
  const counts = new Map<string, number>();
  return { counts, metrics: { inc: (k, by = 1) => { counts.set(k, (counts.get(k) ?? 0) + by); }, set: () => {}, lag: () => {}, rejected: () => {}, write: async () => {} } };
}

const item = (relPath: string, extra: Record<string, unknown> = {}): WorkItem => ({
  notice: { pubTime: '20240101T000000', baseUrl: 'http://up/', relPath, identity: { method: 'sha512', value: 'abc=' }, size: 3, ...extra } as WorkItem['notice'],
});

test('a v02 header over 255 bytes: counted, logged with the reason, reported on the item, never queued for retry; the others go out', async () => {
  const pub = new FakePublisher();
  const q = new MemQueue();
  const { counts, metrics } = counter();
  const log = new Lines();
  const p = new Poster(opts(), { publisher: pub, logger: log.logger(), metrics, retryQueue: q, relocate: false });
  await p.start();
  const long = item('a/long', { source: 'x'.repeat(300) });
  const fine = item('a/fine');
  await p.post([long, fine]);
  assert.equal(pub.sent.length, 1, 'only the encodable notice is published');
  assert.equal(q.size(), 0, 'nothing waits for a retry that cannot succeed');
  assert.equal(p.pending(), 0);
  assert.equal(counts.get('totals.postFailed'), 1);
  assert.equal(counts.get('post.message.txBadCount'), 1);
  assert.equal(counts.get('totals.posted'), 1);
  assert.equal(long.reportCode, 503);
  assert.match(long.reportMessage ?? '', /not posted: .*255/);
  assert.equal(fine.reportCode, undefined);
  const line = log.lines.find((l) => l.includes('a/long'));
  assert.ok(line, 'the drop is logged');
  assert.match(line, /^error not posted .*a\/long.*source.*over the 255-byte/);
  // later passes do not bring it back
  await p.retry(10);
  assert.equal(pub.sent.length, 1);
});

test('a message the AMQP client refuses to encode (PublishError.unpublishable) is dropped and reported, the unconfirmed rest retried', async () => {
  const pub = new FakePublisher();
  const q = new MemQueue();
  const { counts, metrics } = counter();
  const p = new Poster(opts({ post_topicPrefix: 'v03' }), { publisher: pub, logger: Logger.silent(), metrics, retryQueue: q, relocate: false });
  await p.start();
  const a = item('a/one');
  const b = item('a/two');
  pub.refuseLast = true;
  await p.post([a, b]);
  assert.equal(q.size(), 0, 'the refused one is not retried');
  assert.equal(b.reportCode, 417);
  assert.match(b.reportMessage ?? '', /field table too large/);
  assert.equal(counts.get('totals.postFailed'), 1);
  assert.equal(counts.get('totals.posted'), 1);
});
