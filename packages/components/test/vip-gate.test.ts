// Unit tests of the vip gate of the consuming components: what a passive instance gathers, when it releases the
// queue after losing the address (only once the work it took is acked), a failed takeover, the gated retry queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@sarra/common';
import { Credentials, newParseState, parseText, resolveOptions } from '@sarra/config';
import { NoDupe, type Gatherer, type RetryQueue, type WorkItem } from '@sarra/flow';
import type { Notice } from '@sarra/message';
import { withTempDir } from '@sarra/testkit/home';
import { VipGate, vipRetryQueue } from '../src/vip-gate.js';
import { VipState } from '../src/producers/vip.js';

/** A gatherer over a list; records what the gate did to it. */
function fakeGatherer(items: WorkItem[], log: string[], failStart = false): Gatherer {
  return {
    name: 'fake',
    async start() { log.push('start'); if (failStart) throw new Error('refused'); },
    async gather(max) { return items.splice(0, max); },
    async stop() { log.push('stop'); },
    isConnected: () => true,
    metrics: () => ({ rxGoodCount: 1 }),
  };
}

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);
const item = (i: number, acks: number[]): WorkItem => ({ notice: { pubTime: '20250101T000000', baseUrl: 'http://h/', relPath: `/f${i}` }, ack: () => acks.push(i) });

test('vip gate: passive gathers nothing and consumes nothing; takes over; on loss releases the queue once the taken work is acked', async () => {
  await withTempDir('vip-gate-', async (d) => {
    const log: string[] = [], acks: number[] = [];
    const source = [item(1, acks), item(2, acks), item(3, acks)];
    let held = false;
    const noVipFile = join(d, 'sarra_x_001.noVip');
    const gate = new VipGate(() => fakeGatherer(source, log), { held: () => held, noVipFile, logger: Logger.silent(), pollMs: 1, lookEveryMs: 0 });
    const stop = new AbortController().signal;
    await gate.start();
    assert.deepEqual(await gate.gather(10, stop), []);
    assert.deepEqual(log, [], 'a passive instance opens no consumer');
    assert.ok(await exists(noVipFile));
    assert.equal(gate.isConnected(), false);
    held = true;
    const got = await gate.gather(2, stop);
    assert.deepEqual(got.map((it) => it.notice.relPath), ['/f1', '/f2']);
    assert.deepEqual(log, ['start']);
    assert.ok(!(await exists(noVipFile)));
    assert.deepEqual(gate.metrics(), { rxGoodCount: 1, vip: true });
    held = false;
    assert.deepEqual(await gate.gather(2, stop), []);
    assert.deepEqual(log, ['start'], 'two notices still being worked: the consumer stays open for their acks');
    got[0]!.ack!();
    got[0]!.ack!(); // a second call is the engine's business, counted once here
    assert.deepEqual(await gate.gather(2, stop), []);
    assert.deepEqual(log, ['start']);
    got[1]!.ack!();
    await gate.gather(2, stop);
    assert.deepEqual(log, ['start', 'stop'], 'all acked: the queue is released to the other instance');
    assert.deepEqual(acks, [1, 1, 2]);
    await gate.stop();
    assert.ok(!(await exists(noVipFile)), 'the marker goes at stop (sr3 close)');
  });
});

test('vip gate: a takeover whose consumer cannot start fails the gather and is tried again on the next', async () => {
  await withTempDir('vip-gate-', async (d) => {
    const log: string[] = [];
    let fail = true;
    const gate = new VipGate(() => fakeGatherer([], log, fail), { held: () => true, noVipFile: join(d, 'n.noVip'), logger: Logger.silent() });
    await assert.rejects(gate.start().then(() => gate.gather(1, new AbortController().signal)), /refused/);
    assert.deepEqual(log, ['start', 'stop']);
    fail = false;
    assert.deepEqual(await gate.gather(1, new AbortController().signal), []);
    assert.deepEqual(log, ['start', 'stop', 'start']);
    await gate.stop();
  });
});

test('vip retry queue: read only while active; everything else passes through', async () => {
  const calls: string[] = [];
  const q: RetryQueue = {
    async open() { calls.push('open'); },
    async put() { calls.push('put'); },
    async get() { calls.push('get'); return [{ notice: { pubTime: 'x', baseUrl: 'b', relPath: 'r' } }]; },
    size: () => 1,
    async housekeeping() { calls.push('housekeeping'); },
    async close() { calls.push('close'); },
    hold() { calls.push('hold'); },
    release() { calls.push('release'); },
  };
  let held = false;
  const gate = new VipGate(() => fakeGatherer([], []), { held: () => held, noVipFile: join(tmpdir(), `vip-rq-${process.pid}.noVip`), logger: Logger.silent(), pollMs: 1, lookEveryMs: 0 });
  const r = vipRetryQueue(q, gate);
  await gate.start();
  await r.open();
  assert.deepEqual(await r.get(5), []);
  held = true;
  await gate.gather(1, new AbortController().signal);
  assert.equal((await r.get(5)).length, 1);
  await r.put([]);
  r.hold!([]);
  r.release!([]);
  await r.housekeeping();
  assert.equal(r.size(), 1);
  await r.close();
  await gate.stop();
  assert.deepEqual(calls, ['open', 'get', 'put', 'hold', 'release', 'housekeeping', 'close']);
});

test('vip gate: one that lost the vip releases the queue after releaseAfterMs even with notices never acked (settled without an ack)', async () => {
  await withTempDir('vip-gate-', async (d) => {
    const log: string[] = [], acks: number[] = [];
    let held = true;
    const gate = new VipGate(() => fakeGatherer([item(1, acks)], log), {
      held: () => held, noVipFile: join(d, 'r.noVip'), logger: Logger.silent(), pollMs: 1, lookEveryMs: 0, releaseAfterMs: 50,
    });
    const stop = new AbortController().signal;
    await gate.start();
    assert.equal((await gate.gather(5, stop)).length, 1);
    held = false;
    await gate.gather(5, stop);
    assert.deepEqual(log, ['start'], 'within the deadline the consumer waits for the ack');
    await new Promise((r) => setTimeout(r, 80));
    await gate.gather(5, stop);
    assert.deepEqual(log, ['start', 'stop'], 'past it the queue is released: the broker redelivers the unacked notice');
    await gate.stop();
  });
});

test('vip gate: an active instance looks at the addresses once per lookEveryMs, not on every pass', async () => {
  await withTempDir('vip-gate-', async (d) => {
    let looks = 0;
    const gate = new VipGate(() => fakeGatherer([], []), { held: () => { looks++; return true; }, noVipFile: join(d, 'l.noVip'), logger: Logger.silent(), lookEveryMs: 60_000 });
    const stop = new AbortController().signal;
    await gate.start();
    for (let i = 0; i < 5; i++) await gate.gather(5, stop);
    assert.equal(looks, 2, 'once at start, once at the first gather');
    await gate.stop();
  });
});

test("vip gate with a warm cache: a peer's posts are recorded once; the active instance's own posts read back are not recorded again", async () => {
  await withTempDir('vip-gate-', async (d) => {
    const st = newParseState('winnow', 'w', { HOME: d });
    parseText(st, 'broker amqp://anonymous@localhost\nnodupe_ttl 300\n', join(d, 'w.conf'));
    const cache = join(d, 'recent_files_001.cache');
    const nodupe = new NoDupe(resolveOptions(st, Credentials.empty()), cache);
    const n = (rel: string): Notice => ({ pubTime: '20250101T000000', baseUrl: 'http://h/', relPath: rel, size: 1 });
    const outputs: Notice[][] = [[n('/peer1')]];
    const source = { start: async () => {}, stop: async () => {}, next: async () => outputs.shift() ?? [] };
    let held = false;
    const taken = [{ notice: n('/own') }];
    const gate = new VipGate(() => fakeGatherer(taken, []), {
      held: () => held, noVipFile: join(d, 'w.noVip'), logger: Logger.silent(), pollMs: 1, lookEveryMs: 0, warm: { source, nodupe },
    });
    const stop = new AbortController().signal;
    await gate.start();
    await gate.gather(5, stop); // passive: the active peer's post
    held = true;
    const [own] = await gate.gather(5, stop);
    assert.equal(nodupe.isDuplicate(own!), false, 'the flow claims what it took');
    outputs.push([n('/own'), n('/peer2')]); // its own post read back before the flow recorded it, and a post the old holder finished
    await gate.gather(5, stop);
    nodupe.record(own!); // the flow records its post once confirmed (settle)
    outputs.push([n('/own')]); // read back again after
    await gate.gather(5, stop);
    await gate.stop();
    await nodupe.flush();
    const paths = (await readFile(cache, 'utf8')).trim().split('\n').map((l) => l.split(' ').pop());
    assert.deepEqual(paths.sort(), ['own', 'peer1', 'peer2'], 'one line for each file');
  });
});

test('VipState: a marker that cannot be written is written at the next call (the state is taken only once it is)', async () => {
  await withTempDir('vip-state-', async (dir) => {
    const file = join(dir, 'later', 'x.noVip');
    const s = new VipState(file);
    await assert.rejects(s.set(false), /ENOENT/);
    assert.equal(s.active, undefined);
    await mkdir(join(dir, 'later'));
    assert.equal(await s.set(false), true);
    await access(file);
    assert.equal(await s.set(true), true);
    await assert.rejects(access(file), /ENOENT/);
  });
});
