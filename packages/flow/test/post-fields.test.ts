// Poster: `header name=value` fields are added to every posted notice (v03 body field, v02 header), replacing one of the
// same name, and stop the relay from re-publishing the received bytes; `post_topic` is the routing key of every post.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger } from '@sarra/common';
import { optionsFromText } from '@sarra/config';
import type { PublishOptions } from '@sarra/broker';
import { Poster, type PublisherLike } from '../src/post.js';
import type { WorkItem } from '../src/types.js';

class FakePublisher implements PublisherLike {
  sent: { key: string; body: Buffer; opts?: PublishOptions }[] = [];
  async start(): Promise<void> {}
  publish(_x: string, key: string, body: Buffer, o?: PublishOptions): void { this.sent.push({ key, body, opts: o }); }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

const shovel = (extra: string) => optionsFromText('shovel', `broker amqp://bob@localhost/\npost_broker amqp://bob@localhost/\npost_exchange xpub\n${extra}`);
const raw = Buffer.from('{"pubTime": "20260101T000000.1", "baseUrl": "http://h/", "relPath": "a/b/f.txt", "source": "up", "size": 3}');
const item = (): WorkItem => ({
  notice: { pubTime: '20260101T000000.1', baseUrl: 'http://h/', relPath: 'a/b/f.txt', source: 'up', size: 3 },
  format: 'v03', raw, topic: 'v03.a.b',
});

async function post(text: string, passThrough = true): Promise<FakePublisher> {
  const pub = new FakePublisher();
  const poster = new Poster(shovel(text), { publisher: pub, logger: Logger.silent(), relocate: false, passThrough });
  await poster.start();
  await poster.post([item()]);
  return pub;
}

test('without header lines a relay re-publishes the received bytes', async () => {
  const pub = await post('');
  assert.equal(pub.sent[0]!.body, raw);
  assert.equal(pub.sent[0]!.key, 'v03.a.b');
});

test('header name=value adds the field to a v03 notice and replaces one of the same name', async () => {
  const pub = await post('header toto=pig\nheader source=pump-b');
  const body = JSON.parse(pub.sent[0]!.body.toString()) as Record<string, unknown>;
  assert.equal(body.toto, 'pig');
  assert.equal(body.source, 'pump-b');
  assert.equal(body.relPath, 'a/b/f.txt');
});

test('header fields travel as v02 AMQP headers', async () => {
  const pub = await post('header toto=pig\npost_topicPrefix v02.post');
  assert.equal(pub.sent[0]!.opts?.headers?.toto, 'pig');
  assert.equal(pub.sent[0]!.key, 'v02.post.a.b');
});

test('post_topic is the routing key of every post, over the derived topic and topicCopy', async () => {
  assert.equal((await post('post_topic v03.fixed.topic')).sent[0]!.key, 'v03.fixed.topic');
  assert.equal((await post('topicCopy on\npost_topic v03.fixed.topic')).sent[0]!.key, 'v03.fixed.topic');
});

test('a header naming a field the flow computes is refused at its line', () => {
  assert.throws(() => shovel('header relPath=/etc/passwd'), /:4.*header: 'relPath' is a notice field the flow computes/s);
  assert.throws(() => shovel('header sum=d,abc'), /'sum' is a notice field/);
});
