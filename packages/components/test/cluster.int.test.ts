// test: alone (a three-node RabbitMQ cluster loads the machine)
// Integration (a real three-node RabbitMQ cluster from the testkit + nginx), issue 17 items 1-3: a subscriber on a
// quorum queue through a host list survives stop_app of the node it consumes from, twice; a publisher with a host
// list keeps publishing through a node loss; one configuration on two statehost "hosts" shares its queue.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { Publisher, PublishError, type OutgoingMessage } from '@sarra/broker';
import { startCluster, type TestCluster } from '@sarra/testkit/cluster';
import { startNginx, type NginxHandle } from '@sarra/testkit/nginx';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { runCli } from '@sarra/testkit/child';
import type { Notice } from '@sarra/message';
import { runInstance } from '../src/instance.js';
import { SAMPLE, declareExchanges, listFiles, logTails, noticesFor, publish, readMetrics, total, treeSums, waitFor } from './flowkit.js';

let c: TestCluster;
let home: TempHome;
let work: string;
let origin: NginxHandle;
let notices: Notice[];
const notReject = (rel: string): boolean => !rel.includes('reject/');

before(async () => {
  c = await startCluster();
  home = await tempHome();
  work = await mkdtemp(join(tmpdir(), 'sarra-cluster-'));
  await cp(SAMPLE, join(work, 'src'), { recursive: true });
  origin = await startNginx({ root: join(work, 'src') });
  await origin.start();
  // one user across the cluster: the password is found for the first node of the list
  await home.writeConfig('credentials.conf', `amqp://guest:guest@${c.nodes[0]!.address}/\n`);
  await declareExchanges(c.nodeUrl(0), ['xquorum', 'xpub', 'xshared']);
  notices = await noticesFor(join(work, 'src'), origin.url, notReject);
}, { timeout: 240_000 });

after(async () => {
  await origin?.cleanup();
  await c?.cleanup();
  await home?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

const hosts = (): string => c.nodes.map((n) => n.address).join(',');
const count = async (dir: string): Promise<number> => (await listFiles(dir).catch(() => [] as string[])).length;
const nodeOf = async (config: string, cacheDir = home.cacheDir): Promise<string> => {
  const g = (await readMetrics(cacheDir, 'subscribe', config))?.['gather.message'];
  return g?.connected === true && typeof g.brokerNode === 'string' ? g.brokerNode : '';
};
const indexOf = (address: string): number => c.nodes.findIndex((n) => n.address === address);

test('quorum queue through a host list: stop_app of the node the consumer is on, twice; the tree is identical, nothing left queued', { timeout: 300_000 }, async (t) => {
  await home.writeConfig('subscribe/quorum.conf', [
    `broker amqp://guest@${hosts()}/${c.vhost}`, 'exchange xquorum', 'queueType quorum', `directory ${join(work, 'quorum')}`,
    'mirror on', 'logLevel info', '',
  ].join('\n'));
  const dir = join(work, 'quorum');
  const ctl = new AbortController();
  const run = runInstance({ component: 'subscribe', config: 'quorum', instance: 1, foreground: false, env: home.env, signal: ctl.signal });
  const explain = (): Promise<string> => logTails(home.cacheDir, 20);
  const stopped: string[] = [];
  try {
    await waitFor('the consumer connected', async () => (await nodeOf('quorum')) !== '', 60_000, explain);
    const thirds = [notices.slice(0, 375), notices.slice(375, 750), notices.slice(750)];
    for (const [k, part] of thirds.entries()) {
      const on = await nodeOf('quorum');
      const down = indexOf(on);
      assert.ok(down >= 0, `the metrics name a node of the cluster: ${on}`);
      // published through a node that stays up; the stop comes while the subscriber works on this third
      await publish(c.nodeUrl((down + 1) % 3), 'xquorum', part);
      const before = 375 * k;
      await waitFor(`files of part ${k + 1} arriving`, async () => (await count(dir)) >= before + 50, 60_000, explain);
      if (k === 2) break;
      await c.stopApp(down);
      stopped.push(on);
      await waitFor(`the consumer on another node than ${on}`, async () => !['', on].includes(await nodeOf('quorum')), 90_000, explain);
      await c.startApp(down);
    }
    await waitFor('all 1,125 files', async () => (await count(dir)) >= 1125, 120_000, explain);
    await waitFor('nothing left queued', async () => [...(await c.queueDepths()).values()].every((n) => n === 0), 60_000,
      async () => JSON.stringify([...(await c.queueDepths()).entries()]));
  } finally {
    ctl.abort();
    assert.equal(await run, 0);
  }
  t.diagnostic(`stopped ${stopped.join(' then ')}; consumer ended on ${await nodeOf('quorum').catch(() => '?')}`);
  assert.equal(stopped.length, 2);
  assert.notEqual(stopped[0], stopped[1], 'the second stop hit the node the consumer had moved to');
  assert.deepEqual(await treeSums(dir), await treeSums(join(work, 'src'), notReject));
  const depths = await c.queueDepths();
  const q = [...depths.keys()].find((n) => n.includes('subscribe.quorum'));
  assert.ok(q, 'the queue is still there');
  assert.equal((await c.ctl(0, 'list_queues', '-q', '--no-table-headers', '-p', c.vhost, 'name', 'type')).includes('quorum'), true);
  const m = await readMetrics(home.cacheDir, 'subscribe', 'quorum');
  assert.ok(Number((m?.['gather.message'] as { disconnectCount?: number }).disconnectCount) >= 2, 'two disconnections seen');
});

test('a publisher with a host list keeps publishing through the loss of its node: every notice arrives', { timeout: 240_000 }, async (t) => {
  const conn = await amqp.connect(c.nodeUrl(0));
  const ch = await conn.createChannel();
  await ch.assertQueue('q_guest.pub', { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await ch.bindQueue('q_guest.pub', 'xpub', '#');
  await conn.close();
  const p = new Publisher({ url: `amqp://guest:guest@${hosts()}/${encodeURIComponent(c.vhost)}`, backoff: { base: 0.2, max: 1 }, flushTimeoutMs: 60_000 });
  await p.start();
  const first = p.stats.node!;
  const stoppedAt = indexOf(first);
  let again: OutgoingMessage[] = [];
  let stopping: Promise<void> | undefined;
  let stopDone = false, afterStop = 0, sent = 0;
  // batches of 100 go on while the node stops, then 10 more once it is down
  while (!stopDone || afterStop < 10 || again.length) {
    // what a flush reports failed is published again, as the post step's retry queue does
    for (const m of again) p.publish(m.exchange, m.routingKey, m.body, m.options);
    for (let j = 0; j < 100 && (!stopDone || afterStop < 10); j++) p.publish('xpub', 'v03.t', Buffer.from(`n${sent++}`));
    if (sent === 1000) stopping = c.stopApp(stoppedAt).then(() => { stopDone = true; });
    if (stopDone) afterStop++;
    await new Promise((r) => setTimeout(r, 50));
    try {
      await p.flush();
      again = [];
    } catch (err) {
      if (!(err instanceof PublishError)) throw err;
      again = err.failed;
    }
  }
  const N = sent;
  const moved = p.stats.node;
  await p.close();
  await stopping;
  await c.startApp(stoppedAt);
  assert.notEqual(moved, first, `moved off ${first}`);
  const got = new Set<string>();
  let copies = 0;
  const rc = await amqp.connect(c.nodeUrl((stoppedAt + 1) % 3));
  const rch = await rc.createChannel();
  for (;;) {
    const msg = await rch.get('q_guest.pub', { noAck: true });
    if (!msg) break;
    copies++;
    got.add(msg.content.toString());
  }
  await rc.close();
  t.diagnostic(`${N} published, node ${first} stopped after 1000, moved to ${moved}; ${copies} copies arrived (${copies - got.size} duplicates)`);
  assert.equal(got.size, N, 'every notice arrived');
  assert.ok(copies >= N, `${copies} copies (a duplicate only where a confirm was lost with the node)`);
});

test('one configuration on two statehost hosts shares its queue: work split, nothing done twice, sr status per host', { timeout: 240_000 }, async () => {
  await home.writeConfig('subscribe/shared.conf', [
    `broker amqp://guest@${hosts()}/${c.vhost}`, 'exchange xshared', 'queueType quorum', 'queueShare pump', 'statehost on',
    `directory ${join(work, 'shared')}`, 'mirror on', 'prefetch 5', '',
  ].join('\n'));
  const envA = { ...home.env, HOSTNAME: 'nodea' }, envB = { ...home.env, HOSTNAME: 'nodeb' };
  const cacheA = join(home.cacheDir, 'nodea'), cacheB = join(home.cacheDir, 'nodeb');
  try {
    for (const env of [envA, envB]) assert.equal((await runCli(['start', 'subscribe/shared'], env)).code, 0);
    await waitFor('both hosts consuming', async () => (await nodeOf('shared', cacheA)) !== '' && (await nodeOf('shared', cacheB)) !== '', 90_000,
      () => logTails(cacheA, 20));
    await publish(c.nodeUrl(0), 'xshared', notices);
    const dir = join(work, 'shared');
    await waitFor('all 1,125 files', async () => (await count(dir)) >= 1125, 120_000, () => logTails(cacheA, 20));
    const files = async (cache: string): Promise<number> => total(await readMetrics(cache, 'subscribe', 'shared'), 'transferredFiles');
    await waitFor('both metrics up to date', async () => (await files(cacheA)) + (await files(cacheB)) >= 1125, 30_000);
    const [a, b] = [await files(cacheA), await files(cacheB)];
    assert.equal(a + b, 1125, `nothing downloaded twice (host a ${a}, host b ${b})`);
    assert.ok(a > 0 && b > 0, `both hosts worked (a ${a}, b ${b})`);
    assert.deepEqual(await treeSums(dir), await treeSums(join(work, 'src'), notReject));
    // per host: its own state, log and metrics, one queue name (queueShare) for both
    const qname = async (cache: string): Promise<string> => (await readFile(join(cache, 'subscribe', 'shared', 'subscribe.shared.guest.qname'), 'utf8')).trim();
    assert.equal(await qname(cacheA), 'q_guest.subscribe.shared.pump');
    assert.equal(await qname(cacheB), 'q_guest.subscribe.shared.pump');
    for (const [env, host, n] of [[envA, 'nodea', a], [envB, 'nodeb', b]] as const) {
      const r = await runCli(['status', '--json', 'subscribe/shared'], env);
      const [row] = JSON.parse(r.stdout) as { host?: string; running: number; transferredFiles: number; nodes: { instance: number; node: string }[] }[];
      assert.equal(row!.host, host);
      assert.equal(row!.running, 1, `${host}: its one instance`);
      assert.equal(row!.transferredFiles, n, `${host}: its own figures`);
      assert.equal(row!.nodes.length, 1);
      assert.ok(indexOf(row!.nodes[0]!.node) >= 0, `${host}: on a node of the cluster (${row!.nodes[0]!.node})`);
      const wide = await runCli(['status', '--full', 'subscribe/shared'], env);
      assert.match(wide.stdout, new RegExp(`subscribe/shared: broker node 1:${row!.nodes[0]!.node.replaceAll('.', '\\.')}`));
    }
  } finally {
    for (const env of [envA, envB]) await runCli(['stop', 'subscribe/shared'], env).catch(() => undefined);
  }
  // stopped per host: no pid file left in either host directory
  for (const env of [envA, envB]) {
    const r = await runCli(['status', '--json', 'subscribe/shared'], env);
    assert.equal((JSON.parse(r.stdout) as { running: number }[])[0]!.running, 0);
  }
});
