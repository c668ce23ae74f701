// Poster (outgoing notices, formats, split, unconfirmed -> retry), Reporter, and the message gatherer's decoding rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger, TransientError } from '@sarra/common';
import type { Options } from '@sarra/config';
import type { Delivery, PublishOptions } from '@sarra/broker';
import { decode, encode } from '@sarra/message';
import { Poster, outgoingNotice, postFormat, splitIndex, type PublisherLike } from '../src/post.js';
import { Reporter, reportExchange } from '../src/report.js';
import { MessageGatherer, resolveQueueName, userFromExchange } from '../src/gather-message.js';
import type { FlowMetrics, RetryQueue, WorkItem } from '../src/types.js';

function opts(over: Record<string, unknown> = {}): Options {
  return {
    component: 'sarra', config: 'c', broker: 'amqp://bob@localhost/', post_broker: 'amqp://bob@localhost/', post_exchange: 'xpub',
    post_exchangeSplit: 0, post_topicPrefix: 'v03', topicPrefix: 'v03', topicCopy: false, persistent: true, post_messageAgeMax: 0,
    exchangeSuffix: undefined, post_exchangeSuffix: undefined, ...over,
  } as unknown as Options;
}

class FakePublisher implements PublisherLike {
  sent: { exchange: string; key: string; body: Buffer; opts?: PublishOptions }[] = [];
  failNext = 0;
  async start(): Promise<void> {}
  publish(exchange: string, key: string, body: Buffer, o?: PublishOptions): void { this.sent.push({ exchange, key, body, opts: o }); }
  async flush(): Promise<void> {
    if (this.failNext > 0) {
      const failed = this.sent.slice(-this.failNext).map((s) => ({ body: s.body }));
      this.failNext = 0;
      throw Object.assign(new TransientError('nacked'), { failed });
    }
  }
  async close(): Promise<void> {}
}

class MemQueue implements RetryQueue {
  items: WorkItem[] = [];
  async open(): Promise<void> {}
  async put(items: WorkItem[]): Promise<void> { this.items.push(...items.map((i) => JSON.parse(JSON.stringify(i)) as WorkItem)); }
  async get(max: number): Promise<WorkItem[]> { return this.items.splice(0, max); }
  size(): number { return this.items.length; }
  async housekeeping(): Promise<void> {}
  async close(): Promise<void> {}
}

const base = (rel: string): WorkItem => ({
  notice: { pubTime: '20240101T000000', baseUrl: 'http://up/', relPath: rel, identity: { method: 'sha512', value: 'abc=' }, size: 3, retrievePath: 'x/y' },
  topic: 'v03.custom.topic',
  newBaseUrl: 'http://pump/', newRelPath: `new/${rel}`, newDir: '/tmp/x', newFile: 'f',
});

test('outgoing notices carry the new location and identity, never the working fields', () => {
  const it = { ...base('a/f'), newIdentity: { method: 'sha512' as const, value: 'NEW=' } };
  const n = outgoingNotice(opts({ cluster: 'DDSR' }), it);
  assert.equal(n.baseUrl, 'http://pump/');
  assert.equal(n.relPath, 'new/a/f');
  assert.deepEqual(n.identity, { method: 'sha512', value: 'NEW=' });
  assert.equal(n.retrievePath, undefined);
  assert.equal(n.from_cluster, 'DDSR');
  const body = encode(n, 'v03').body.toString();
  for (const f of ['newDir', 'newFile', 'newRelPath', 'newBaseUrl', 'topic', 'ack']) assert.ok(!body.includes(f), f);
  const shovelled = outgoingNotice(opts(), it, false);
  assert.equal(shovelled.relPath, 'a/f');
  assert.equal(shovelled.baseUrl, 'http://up/');
});

test('format from post_format / post_topicPrefix; split by identity bytes', () => {
  assert.equal(postFormat(opts()), 'v03');
  assert.equal(postFormat(opts({ post_topicPrefix: 'v02.post' })), 'v02');
  assert.equal(postFormat(opts({ post_format: 'v02' })), 'v02');
  const n = { pubTime: '', baseUrl: '', relPath: '', identity: { method: 'md5' as const, value: 'AB' } };
  assert.equal(splitIndex(n, 4), (65 + 66) % 4);
  assert.equal(splitIndex(n, 1), 0);
});

test('Poster publishes v02 when asked, topicCopy keeps the received topic, unconfirmed ones are retried later', async () => {
  const pub = new FakePublisher();
  const q = new MemQueue();
  const counts = new Map<string, number>();
  const metrics: FlowMetrics = { inc: (k, by = 1) => { counts.set(k, (counts.get(k) ?? 0) + by); }, set: () => {}, lag: () => {}, rejected: () => {}, write: async () => {} };
  const p = new Poster(opts({ post_topicPrefix: 'v02.post', topicCopy: true }), { publisher: pub, logger: Logger.silent(), metrics, retryQueue: q, relocate: true });
  await p.start();
  pub.failNext = 1;
  await p.post([base('a/f1'), base('a/f2')]);
  assert.equal(pub.sent.length, 2);
  assert.equal(pub.sent[0]!.exchange, 'xpub');
  assert.equal(pub.sent[0]!.key, 'v03.custom.topic');
  assert.equal(pub.sent[0]!.opts?.contentType, 'text/plain');
  const d = decode({ routingKey: pub.sent[0]!.key, body: pub.sent[0]!.body, contentType: 'text/plain', headers: pub.sent[0]!.opts?.headers });
  assert.equal(d.format, 'v02');
  assert.equal(q.size(), 1, 'the unconfirmed one waits in the post retry queue');
  assert.equal(counts.get('totals.posted'), 1);
  await p.retry(10);
  assert.equal(pub.sent.length, 3);
  assert.equal(q.size(), 0);
  assert.equal(counts.get('totals.posted'), 2);
});

test('Reporter sends notice + report {code, message} to xr_<user>', async () => {
  const pub = new FakePublisher();
  const r = new Reporter(opts(), pub, Logger.silent(), false);
  assert.equal(reportExchange(opts()), 'xr_bob');
  const it = base('a/f');
  it.reportCode = 404;
  it.reportMessage = 'no match';
  await r.report([it, base('a/none')].map((x, i) => (i === 1 ? { ...x, reportCode: undefined } : x)));
  assert.equal(pub.sent.length, 1);
  assert.equal(pub.sent[0]!.exchange, 'xr_bob');
  const n = decode({ routingKey: pub.sent[0]!.key, body: pub.sent[0]!.body, contentType: 'application/json' }).notice;
  assert.equal(n.report?.code, 404);
  assert.equal(n.report?.message, 'no match');
});

test('gatherer: malformed messages are acked and counted, valid ones become items; sourceFromExchange sets source', async () => {
  const acked: number[] = [];
  const counts = new Map<string, number>();
  const metrics: FlowMetrics = { inc: (k, by = 1) => { counts.set(k, (counts.get(k) ?? 0) + by); }, set: () => {}, lag: () => {}, rejected: () => {}, write: async () => {} };
  const good = encode({ pubTime: '20240101T000000', baseUrl: 'http://h/', relPath: 'a/b', source: 'liar' }, 'v03');
  const deliveries: Delivery[] = [
    { exchange: 'xs_alice', routingKey: good.routingKey, body: good.body, contentType: 'application/json', headers: {}, redelivered: false, deliveryTag: 1, generation: 1 },
    { exchange: 'xs_alice', routingKey: 'v03.a', body: Buffer.from('{nope'), contentType: 'application/json', headers: {}, redelivered: false, deliveryTag: 2, generation: 1 },
  ];
  const g = new MessageGatherer(opts({ sourceFromExchange: true }), { logger: Logger.silent(), instance: 1, stateDir: '/nonexistent', metrics });
  (g as unknown as { consumer: unknown }).consumer = {
    next: async () => deliveries.splice(0),
    ack: (d: Delivery) => { acked.push(d.deliveryTag); },
    connected: true, stats: { disconnects: 0, connectedMs: 0 }, queueDepth: async () => 0,
  };
  const items = await g.gather(10, new AbortController().signal);
  assert.equal(items.length, 1);
  assert.deepEqual(acked, [2], 'the malformed one is acked at once');
  assert.equal(counts.get('totals.malformed'), 1);
  assert.equal(items[0]!.notice.source, 'alice');
  assert.equal(items[0]!.exchange, 'xs_alice');
  assert.equal(items[0]!.format, 'v03');
  items[0]!.ack!();
  assert.deepEqual(acked, [2, 1]);
  assert.equal(userFromExchange('xs_bob_suffix'), 'bob');
});

test('queue name: persisted by the lead instance, read by the others', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'qname-'));
  try {
    const o = opts({ component: 'subscribe', config: 'q', queueName: undefined });
    (o as unknown as { queueShare: string }).queueShare = 'share';
    const first = await resolveQueueName(o, dir, 1);
    assert.match(first, /^q_bob\.subscribe\.q\./);
    assert.equal((await readFile(join(dir, 'subscribe.q.bob.qname'), 'utf8')).trim(), first);
    assert.equal(await resolveQueueName(o, dir, 2), first);
    assert.equal(await resolveQueueName({ ...o, queueName: 'q_bob.explicit' } as Options, dir, 1), 'q_bob.explicit');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a relay (passThrough, relocate off) re-publishes the received v03 bytes; anything it would change is re-encoded', async () => {
  const pub = new FakePublisher();
  const q = new MemQueue();
  const p = new Poster(opts({ component: 'shovel' }), { publisher: pub, logger: Logger.silent(), retryQueue: q, relocate: false, passThrough: true });
  await p.start();
  const received = (body: string): WorkItem => {
    const raw = Buffer.from(body);
    return { notice: decode({ routingKey: 'v03.a', body: raw, contentType: 'application/json' }).notice, format: 'v03', raw };
  };
  // compact JSON and an unknown field: kept exactly as received (a re-encode would add spaces)
  const same = received('{"pubTime":"20240101T000000","baseUrl":"http://up/","relPath":"a/f","size":3,"x_user":{"k":1}}');
  // the old field name `integrity` is renamed by the decoder: the outgoing notice is re-encoded with `identity`
  const old = received('{"pubTime":"20240101T000000","baseUrl":"http://up/","relPath":"a/g","integrity":{"method":"md5","value":"AB=="}}');
  pub.failNext = 1;
  await p.post([old, same]);
  assert.match(pub.sent[0]!.body.toString(), /"identity": \{"method": "md5"/);
  assert.equal(pub.sent[1]!.body, same.raw, 'the very bytes received');
  assert.equal(pub.sent[1]!.key, 'v03.a');
  assert.equal(pub.sent[1]!.opts?.contentType, 'application/json');
  // an unconfirmed pass-through record waits in the retry queue and goes out again as the same notice
  assert.equal(q.size(), 1);
  await p.retry(10);
  assert.deepEqual(decode({ routingKey: 'v03.a', body: pub.sent[2]!.body, contentType: 'application/json' }).notice, same.notice);
  // as v02 output, or with relocation, nothing is passed through
  const v02 = new Poster(opts({ component: 'shovel', post_topicPrefix: 'v02.post' }), { publisher: pub, logger: Logger.silent(), relocate: false, passThrough: true });
  await v02.post([received('{"pubTime":"20240101T000000","baseUrl":"http://up/","relPath":"a/h"}')]);
  assert.equal(pub.sent.at(-1)!.opts?.contentType, 'text/plain');
  const moved = new Poster(opts(), { publisher: pub, logger: Logger.silent(), relocate: true, passThrough: true });
  const it = { ...received('{"pubTime":"20240101T000000","baseUrl":"http://up/","relPath":"a/i"}'), newBaseUrl: 'http://pump/' };
  await moved.post([it]);
  assert.notEqual(pub.sent.at(-1)!.body, it.raw);
  assert.equal(decode({ routingKey: 'v03.a', body: pub.sent.at(-1)!.body, contentType: 'application/json' }).notice.baseUrl, 'http://pump/');
});
