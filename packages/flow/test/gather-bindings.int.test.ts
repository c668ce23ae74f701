// Message gatherer against RabbitMQ: the queue is bound as subscribeBindings says (per-line exchange and topicPrefix, exchangeSplit per instance).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@sarra/common';
import { loadConfig } from '@sarra/config';
import { declareTopology, Publisher } from '@sarra/broker';
import { encode } from '@sarra/message';
import { withVhost } from '@sarra/testkit/rabbit';
import { tempHome } from '@sarra/testkit/home';
import { MessageGatherer, effectivePrefetch } from '../src/gather-message.js';

const v = await withVhost('sarra-gather-bind');
const home = await tempHome();
const state = await mkdtemp(join(tmpdir(), 'gather-bind-'));
after(async () => {
  await v.cleanup();
  await home.cleanup();
  await rm(state, { recursive: true, force: true });
});

async function options(name: string, lines: string[]): Promise<Awaited<ReturnType<typeof loadConfig>>> {
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  const url = new URL(v.url);
  await home.writeConfig(`shovel/${name}.conf`, [`broker amqp://${url.username}@127.0.0.1:5672/${v.vhost}`, ...lines, ''].join('\n'));
  return loadConfig('shovel', name, { env: home.env });
}

async function boundTo(queue: string): Promise<string[]> {
  const all = await v.mgmt.bindings(v.vhost);
  return all.filter((b) => b.destination === queue && b.source !== '').map((b) => `${b.source} ${b.routing_key}`).sort();
}

test('each subtopic line is bound on the exchange and topicPrefix in force at that line; exchangeSplit adds the instance number', async () => {
  await declareTopology({ url: v.url, exchanges: ['xa01', 'xb01', 'xa02'] });
  const o = await options('split', [
    'exchangeSplit 2', 'queueName q_split_1',
    'exchange xa', 'topicPrefix v03', 'subtopic a.#',
    'exchange xb', 'topicPrefix v02.post', 'subtopic b.#',
  ]);
  const g = new MessageGatherer(o, { logger: Logger.silent(), instance: 1, stateDir: state, waitMs: 2000 });
  await g.start();
  try {
    assert.deepEqual(await boundTo('q_split_1'), ['xa01 v03.a.#', 'xb01 v02.post.b.#']);
    // and messages routed that way arrive
    const pub = new Publisher({ url: v.url });
    await pub.start();
    const n = { pubTime: '20240101T000000', baseUrl: 'http://h/', relPath: 'b/c/f' };
    const w = encode(n, 'v02', { topicPrefix: 'v02.post' });
    pub.publish('xb01', w.routingKey, w.body, { headers: w.headers, contentType: w.contentType });
    await pub.flush();
    await pub.close();
    const items = await g.gather(10, new AbortController().signal);
    assert.equal(items.length, 1);
    assert.equal(items[0]!.notice.relPath, 'b/c/f');
    items[0]!.ack!();
  } finally {
    await g.stop();
  }
});

test('a relay left at sr3 prefetch consumes ahead (several batches); an explicit prefetch or a download flow is kept', async () => {
  const relay = await options('relay', ['exchange xa', 'batch 100']);
  assert.equal(effectivePrefetch(relay, true), 400);
  const explicit = await options('explicit', ['exchange xa', 'batch 100', 'prefetch 7']);
  assert.equal(effectivePrefetch(explicit, true), 7);
  const download = await options('dl', ['exchange xa', 'batch 100', 'download on']);
  assert.equal(effectivePrefetch(download, false), download.prefetch);
});
