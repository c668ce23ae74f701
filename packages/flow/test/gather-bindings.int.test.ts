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
import { MessageGatherer } from '../src/gather-message.js';

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

test('the broker hands out as many unacked notices as the prefetch used: a download flow its prefetch, a relay left at sr3 prefetch several batches, an explicit prefetch as set', async () => {
  await declareTopology({ url: v.url, exchanges: ['xp'] });
  const pub = new Publisher({ url: v.url });
  await pub.start();
  /** Notices the instance holds unacked once the broker stops handing out (60 published). */
  const held = async (name: string, relay: boolean, lines: string[] = []): Promise<number> => {
    const o = await options(name, ['exchange xp', 'batch 100', `queueName q_${name}`, 'subtopic #', ...lines]);
    const g = new MessageGatherer(o, { logger: Logger.silent(), instance: 1, stateDir: state, waitMs: 300, relay });
    await g.start();
    try {
      for (let i = 0; i < 60; i++) {
        const w = encode({ pubTime: '20240101T000000', baseUrl: 'http://h/', relPath: `${name}/f${i}` }, 'v03');
        pub.publish('xp', w.routingKey, w.body, { headers: w.headers, contentType: w.contentType });
      }
      await pub.flush();
      let got = 0;
      for (let items = await g.gather(1000, new AbortController().signal); items.length; items = await g.gather(1000, new AbortController().signal)) {
        got += items.length;
      }
      return got;
    } finally {
      await g.stop();
    }
  };
  try {
    assert.equal(await held('dl', false), 25, 'a download flow: sr3 prefetch 25, whatever the batch');
    assert.equal(await held('relay', true), 60, 'a relay with batch 100: up to 400, so all 60');
    assert.equal(await held('explicit', true, ['prefetch 7']), 7, 'a prefetch set is kept, relay or not');
  } finally {
    await pub.close();
  }
});
