// ACCEPTANCE checks 1 (declare / cleanup / remove) and 2 (supervisor: start, kill -9, sanity, stop) through the `sr` CLI.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { instancePids, isAlive, kill9, pidFilePids, waitFor } from '@sarra/testkit/child';
import { pump, TOPOLOGY_S, type Pump } from './lib/pump.js';

const EXCHANGES = ['xflow_public', 'xs_tsource', 'xs_tsource_output', 'xs_tsource_poll', 'xsarra'];
const CONSUMERS = ['sarra/download', 'sender/s', 'subscribe/amqp', 'subscribe/polled', 'subscribe/sftp'];

describe('lifecycle', { timeout: 180_000 }, () => {
  let p: Pump;
  before(async () => { p = await pump({ name: 'lifecycle', copySample: false }); });
  after(async () => { await p?.cleanup(); });

  /** Queues of the vhost: name -> durable, for those named after a consumer configuration. */
  async function consumerQueues(): Promise<Map<string, boolean>> {
    const qs = (await p.vh.mgmt.queues(p.vh.vhost)) as { name: string; durable?: boolean }[];
    const out = new Map<string, boolean>();
    for (const q of qs) {
      const m = /^q_guest\.(\w+)\.(\w+)\./.exec(q.name);
      if (m && CONSUMERS.includes(`${m[1]}/${m[2]}`)) out.set(`${m[1]}/${m[2]}`, q.durable === true);
    }
    return out;
  }
  const exchanges = async (): Promise<string[]> =>
    (await p.vh.mgmt.exchanges(p.vh.vhost)).map((e) => e.name).filter((n) => n.startsWith('x')).sort();

  test('check 1: sr declare (twice) creates the exchanges and one durable queue per consumer; sr cleanup removes them; sr remove empties sr status', async () => {
    await p.srOk(['declare']);
    const names1 = (await p.vh.mgmt.queues(p.vh.vhost)).map((q) => q.name).sort();
    await p.srOk(['declare']);
    const names2 = (await p.vh.mgmt.queues(p.vh.vhost)).map((q) => q.name).sort();
    assert.deepEqual(names2, names1, 'the second declare reuses the same queues');
    for (const x of EXCHANGES) assert.ok((await exchanges()).includes(x), `exchange ${x} declared: ${(await exchanges()).join(' ')}`);
    const qs = await consumerQueues();
    assert.deepEqual([...qs.keys()].sort(), CONSUMERS, 'one queue per consumer');
    for (const [ref, durable] of qs) assert.equal(durable, true, `${ref} queue durable`);
    assert.equal(names1.filter((n) => CONSUMERS.some((c) => n.startsWith(`q_guest.${c.replace('/', '.')}.`))).length, CONSUMERS.length,
      `exactly one queue per consumer: ${names1.join(' ')}`);

    await p.srOk(['cleanup', `--dangerWillRobinson=${TOPOLOGY_S.length}`]);
    assert.deepEqual([...(await consumerQueues()).keys()], [], 'queues removed');
    assert.deepEqual((await exchanges()).filter((x) => EXCHANGES.includes(x)), [], 'exchanges removed');

    await p.srOk(['remove', ...TOPOLOGY_S]);
    assert.deepEqual(await p.status(), [], 'sr status is empty');
  });

  test('check 2: 5 instances with pid files; kill -9 one -> part; sanity restores exactly one; stop within 30 s; a second start spawns nothing', async () => {
    await p.writeConfig('subscribe/polled', [`broker ${p.broker}`, 'exchange xs_tsource_poll', 'topicPrefix v03', 'subtopic #',
      'instances 5', 'expire 10m', `directory ${p.byPoll}`, 'mirror on', 'accept .*']);
    await p.srOk(['declare', 'subscribe/polled']);
    await p.srOk(['start', 'subscribe/polled']);
    const live = (): Promise<number[]> => instancePids(p.home.home, 'subscribe', 'polled');
    const pids = await waitFor(async () => { const x = await live(); return x.length === 5 ? x : undefined; }, { what: '5 instances', timeoutMs: 30_000 });
    assert.deepEqual(await pidFilePids(p.home.cacheDir, 'subscribe', 'polled'), pids, 'one pid file per instance');
    let st = (await p.status()).find((r) => r.config === 'polled')!;
    assert.equal(st.running, 5);

    const victim = pids[2]!;
    kill9(victim);
    await waitFor(async () => !(await isAlive(victim)), { what: 'killed instance gone' });
    st = (await p.status()).find((r) => r.config === 'polled')!;
    assert.equal(st.state, 'part');
    assert.equal(st.running, 4);

    await p.srOk(['sanity']);
    const after = await waitFor(async () => { const x = await live(); return x.length === 5 ? x : undefined; }, { what: '5 after sanity', timeoutMs: 30_000 });
    assert.deepEqual(after.filter((x) => !pids.includes(x)).length, 1, 'exactly one new instance');
    assert.equal((await p.status()).find((r) => r.config === 'polled')!.state, 'run');

    const t0 = Date.now();
    await p.srOk(['stop'], 40_000);
    await waitFor(async () => (await live()).length === 0, { what: 'no instance left', timeoutMs: 30_000 });
    assert.ok(Date.now() - t0 < 30_000, `stopped in ${Date.now() - t0} ms`);
    assert.deepEqual(await pidFilePids(p.home.cacheDir, 'subscribe', 'polled'), []);

    await p.srOk(['start', 'subscribe/polled']);
    const running = await waitFor(async () => { const x = await live(); return x.length === 5 ? x : undefined; }, { what: '5 after restart', timeoutMs: 30_000 });
    await p.srOk(['start', 'subscribe/polled']);
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(await live(), running, 'the second start spawned nothing');
  });
});
