// queueType on the real RabbitMQ 3.10: the gatherer declares quorum and stream queues (durable, x-queue-type, a
// stream without x-expires), consumes them, and a stream resumes after a restart at the first notice not acked.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'amqplib';
import { Logger } from '@sarra/common';
import { optionsFromText, Credentials } from '@sarra/config';
import { declareTopology } from '@sarra/broker';
import { withVhost } from '@sarra/testkit/rabbit';
import { MessageGatherer } from '../src/gather-message.js';
import type { WorkItem } from '../src/types.js';

const v = await withVhost('sarra-queue-type');
const state = await mkdtemp(join(tmpdir(), 'gather-qt-'));
after(async () => {
  await v.cleanup();
  await rm(state, { recursive: true, force: true });
});
const broker = v.url.replace('guest:guest@', 'guest@');
const credentials = Credentials.parse(`${v.url}\n`);
await declareTopology({ url: v.url, exchanges: ['xqt'] });

function gatherer(name: string, extra: string): MessageGatherer {
  const o = optionsFromText('shovel', `broker ${broker}\nexchange xqt\nqueueName ${name}\nmessageAgeMax 1h\n${extra}\n`, { credentials, check: false });
  return new MessageGatherer(o, { logger: Logger.silent(), instance: 1, stateDir: state, waitMs: 300 });
}

async function publish(names: string[]): Promise<void> {
  const c = await connect(v.url);
  const ch = await c.createConfirmChannel();
  for (const n of names) {
    const body = JSON.stringify({ pubTime: '20260101T000000.1', baseUrl: 'http://example.invalid/', relPath: `d/${n}`, size: 1 });
    ch.publish('xqt', 'v03.d', Buffer.from(body), { contentType: 'application/json', persistent: true });
  }
  await ch.waitForConfirms();
  await c.close();
}

/** Gathers until `n` items arrived (or 5 s passed). */
async function gatherN(g: MessageGatherer, n: number): Promise<WorkItem[]> {
  const out: WorkItem[] = [];
  const ctl = new AbortController();
  const end = Date.now() + 5000;
  while (out.length < n && Date.now() < end) out.push(...await g.gather(n - out.length, ctl.signal));
  return out;
}

const names = (items: WorkItem[]): string[] => items.map((it) => it.notice.relPath.slice(2));

test('queueType quorum: a durable quorum queue with x-expires, consumed and acked like a classic one', async () => {
  const g = gatherer('q_guest_quorum', 'queueType quorum');
  await g.start();
  try {
    const q = await v.mgmt.queue(v.vhost, 'q_guest_quorum');
    assert.equal(q?.arguments['x-queue-type'], 'quorum');
    assert.equal(q?.durable, true);
    assert.equal(q?.arguments['x-expires'], 300_000);
    await publish(['a', 'b']);
    const got = await gatherN(g, 2);
    assert.deepEqual(names(got), ['a', 'b']);
    for (const it of got) it.ack?.();
  } finally {
    await g.stop();
  }
  // the broker's own count (the management API's lags by its stats interval)
  const c = await connect(v.url);
  const ch = await c.createChannel();
  const left = (await ch.checkQueue('q_guest_quorum')).messageCount;
  await c.close();
  assert.equal(left, 0, 'both acked');
});

test('queueType stream: declared without x-expires (x-max-age from messageAgeMax); a restart resumes at the first notice not acked', async () => {
  const first = gatherer('q_guest_stream', 'queueType stream');
  await first.start();
  try {
    const q = await v.mgmt.queue(v.vhost, 'q_guest_stream');
    assert.equal(q?.arguments['x-queue-type'], 'stream');
    assert.equal(q?.arguments['x-expires'], undefined);
    assert.equal(q?.arguments['x-max-age'], '3600s');
    await publish(['s0', 's1', 's2', 's3', 's4']);
    const got = await gatherN(first, 5);
    assert.deepEqual(names(got), ['s0', 's1', 's2', 's3', 's4']);
    // s0, s1 and s3 done; s2 and s4 still in flight when the instance stops (handed back, not acked)
    for (const i of [0, 1, 3]) got[i]!.ack?.();
  } finally {
    await first.stop();
  }
  const file = (await readdir(state)).find((n) => n.endsWith('.offset'));
  assert.ok(file, 'the read position is kept in the state directory');
  assert.equal((await readFile(join(state, file), 'utf8')).trim(), '2', 'the first offset not acked');

  const second = gatherer('q_guest_stream', 'queueType stream');
  await second.start();
  try {
    await publish(['s5']);
    const again = await gatherN(second, 4);
    // from s2 on: s3 again (acked after s2, which was not), nothing before s2 is read twice
    assert.deepEqual(names(again), ['s2', 's3', 's4', 's5']);
    for (const it of again) it.ack?.();
  } finally {
    await second.stop();
  }
  assert.equal((await readFile(join(state, file), 'utf8')).trim(), '6');
});
