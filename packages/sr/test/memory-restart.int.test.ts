// MemoryMax and messageRateMin through sr start on RabbitMQ: an instance over its memory limit stops cleanly at
// housekeeping (exit 75) and is replaced at once by a new process in its pid file, which consumes the same queue;
// a flow receiving below messageRateMin says so at housekeeping.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import amqp from 'amqplib';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { isAlive, pidFilePids, runCli, waitFor } from '@sarra/testkit/child';

let vh: TestVhost;
let h: TempHome;

before(async () => {
  vh = await withVhost('sr-memory');
  h = await tempHome();
  const broker = vh.url.replace('guest:guest@', 'guest@');
  await h.writeConfig('credentials.conf', `${vh.url}\n`);
  await h.writeConfig('shovel/mem.conf', [
    `broker ${broker}`, 'exchange xmem', `post_broker ${broker}`, 'post_exchange xmem_out', 'housekeeping 2', 'MemoryMax 1k',
    'messageRateMin 5', '',
  ].join('\n'));
});

after(async () => {
  await runCli(['stop'], h.env).catch(() => undefined);
  await h.cleanup();
  await vh.cleanup();
});

const log = (): Promise<string> => readFile(join(h.cacheDir, 'log', 'shovel_mem_01.log'), 'utf8').catch(() => '');

test('over MemoryMax: a clean stop at housekeeping, then a new process at once; below messageRateMin: a warning', async () => {
  const d = await runCli(['declare', 'shovel/mem'], h.env);
  assert.equal(d.code, 0, d.stderr);
  const r = await runCli(['start', 'shovel/mem'], h.env);
  assert.equal(r.code, 0, r.stderr);
  const [first] = await pidFilePids(h.cacheDir, 'shovel', 'mem');
  assert.ok(first);
  const second = await waitFor(async () => {
    const [p] = await pidFilePids(h.cacheDir, 'shovel', 'mem');
    return p && p !== first && (await isAlive(p)) ? p : undefined;
  }, { timeoutMs: 30_000, what: 'a replacement instance' }).catch(async (e: unknown) => { console.log(await log()); throw e; });
  await waitFor(async () => !(await isAlive(first!)), { what: 'the first instance gone' });
  const text = await waitFor(async () => {
    const t = await log();
    return t.includes(`restarted as pid ${second}`) ? t : undefined;
  }, { what: 'the restart logged' });
  assert.match(text, /\[WARNING\] shovel\/mem:01 memory [\d.]+ MiB is over the limit of 0\.0 MiB: restarting the instance/);
  assert.match(text, /stopped to restart \(exit 75\): memory/);
  assert.match(text, /receiving below minimum message rate: 0\.000 messages\/s over the last 2 s \(messageRateMin 5\)/);
  // the replacement consumes the same queue: a notice published now is relayed
  const conn = await amqp.connect(vh.url);
  const ch = await conn.createChannel();
  await ch.assertExchange('xmem_out', 'topic', { durable: true });
  const q = await ch.assertQueue('', { exclusive: true });
  await ch.bindQueue(q.queue, 'xmem_out', '#');
  const body = JSON.stringify({ pubTime: '20260101T000000.1', baseUrl: 'http://h/', relPath: 'd/one', size: 1 });
  ch.publish('xmem', 'v03.d', Buffer.from(body), { contentType: 'application/json' });
  const got = await waitFor(async () => (await ch.get(q.queue, { noAck: true })) || undefined, { timeoutMs: 30_000, what: 'the notice relayed' });
  assert.equal(JSON.parse(got.content.toString()).relPath, 'd/one');
  await conn.close();
  const stop = await runCli(['stop', 'shovel/mem'], h.env);
  assert.equal(stop.code, 0, stop.stderr);
});
