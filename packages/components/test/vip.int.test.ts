// Integration (real RabbitMQ + nginx, addresses on loopback): two sarras sharing one queue with a vip that moves
// mid-flow hand the work over with nothing lost and nothing done twice; a passive winnow's duplicate cache is warm
// when the vip reaches it. The "hosts" are two configurations naming different vips; moving the address is
// `ip addr del` on one and `ip addr add` of the other on lo (root, as in CI).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { startNginx, type NginxHandle } from '@sarra/testkit/nginx';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { nowTimestamp, type Notice } from '@sarra/message';
import { runInstance } from '../src/instance.js';
import { SAMPLE, collector, declareExchanges, listFiles, noticesFor, publish, waitFor } from './flowkit.js';

const VIP_A = '127.71.17.1';
const VIP_B = '127.71.17.2';
const run = promisify(execFile);
const ip = async (op: 'add' | 'del', addr: string): Promise<void> => {
  await run('ip', ['addr', op, `${addr}/32`, 'dev', 'lo']);
};

let v: TestVhost;
let home: TempHome;
let work: string;
let origin: NginxHandle;

before(async () => {
  for (const a of [VIP_A, VIP_B]) await ip('del', a).catch(() => undefined);
  v = await withVhost('sarra-vip');
  home = await tempHome();
  work = await mkdtemp(join(tmpdir(), 'sarra-vip-'));
  await cp(SAMPLE, join(work, 'src'), { recursive: true });
  origin = await startNginx({ root: join(work, 'src') });
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  const broker = `amqp://guest@127.0.0.1:5672/${v.vhost}`;
  for (const [name, vip] of [['a', VIP_A], ['b', VIP_B]] as const) {
    await home.writeConfig(`sarra/v${name}.conf`, [
      `broker ${broker}`, 'exchange xvip_in', 'queueName q_guest.sarra.vip.shared', `vip ${vip}`,
      `directory ${join(work, name)}`, 'mirror on', 'messageRateMax 40',
      `post_broker ${broker}`, 'post_exchange xvip_out', `post_baseUrl http://${name}/`, `post_baseDir ${join(work, name)}`, '',
    ].join('\n'));
    await home.writeConfig(`winnow/w${name}.conf`, [
      `broker ${broker}`, 'exchange xw_in', 'queueName q_guest.winnow.vip.shared', `vip ${vip}`,
      `post_broker ${broker}`, 'post_exchange xw_out', '',
    ].join('\n'));
  }
  await declareExchanges(v.url, ['xvip_in', 'xvip_out', 'xw_in', 'xw_out']);
});

after(async () => {
  for (const a of [VIP_A, VIP_B]) await ip('del', a).catch(() => undefined);
  await origin?.cleanup();
  await v?.cleanup();
  await home?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Both instances of `component` (configs <prefix>a and <prefix>b), run while `fn` does; each must stop with 0. */
async function pair(component: string, prefix: string, fn: () => Promise<void>): Promise<void> {
  const ctl = new AbortController();
  const runs = ['a', 'b'].map((n) =>
    runInstance({ component, config: `${prefix}${n}`, instance: 1, foreground: false, env: home.env, signal: ctl.signal }));
  try {
    await fn();
  } finally {
    ctl.abort();
    assert.deepEqual(await Promise.all(runs), [0, 0]);
  }
}

const consumersOf = async (queue: string): Promise<number> =>
  (await v.mgmt.queues(v.vhost)).find((q) => q.name === queue)?.consumers ?? 0;
const noVip = async (component: string, config: string): Promise<boolean> =>
  (await readdir(join(home.cacheDir, component, config))).some((f) => f.endsWith('.noVip'));

test('sarra: the vip moves mid-flow; the other instance takes the queue over, every file once', { timeout: 120_000 }, async () => {
  const notices = (await noticesFor(join(work, 'src'), origin.url, (rel) => !rel.includes('reject/'))).slice(0, 300);
  const out = await collector(v.url, 'xvip_out');
  await ip('add', VIP_A);
  await pair('sarra', 'v', async () => {
    await waitFor('a consuming the shared queue', async () => (await consumersOf('q_guest.sarra.vip.shared')) === 1, 30_000);
    assert.ok(await noVip('sarra', 'vb'), 'b is passive: its .noVip marker is there');
    assert.ok(!(await noVip('sarra', 'va')));
    await publish(v.url, 'xvip_in', notices);
    await waitFor('a third announced by a', () => out.decoded.length >= 100, 30_000);
    await ip('del', VIP_A);
    await ip('add', VIP_B);
    await waitFor('all 300 announced', () => out.decoded.length >= 300, 60_000);
    await waitFor('the shared queue empty, b consuming it alone', async () => {
      const q = (await v.mgmt.queues(v.vhost)).find((x) => x.name === 'q_guest.sarra.vip.shared');
      return q?.messages === 0 && q.consumers === 1;
    }, 30_000);
    assert.ok(await noVip('sarra', 'va'), 'a is passive now');
    await new Promise((r) => setTimeout(r, 1500));
  });
  await ip('del', VIP_B);
  await out.close();
  const posted = out.decoded.map((d) => d.notice.relPath);
  assert.equal(posted.length, 300, 'no notice announced twice');
  assert.equal(new Set(posted).size, 300);
  const byA = out.decoded.filter((d) => d.notice.baseUrl === 'http://a/').length;
  assert.ok(byA >= 100 && byA < 300, `a announced ${byA}, b the rest`);
  const [a, b] = await Promise.all([listFiles(join(work, 'a')), listFiles(join(work, 'b'))]);
  assert.equal(a.length + b.length, 300, 'every file downloaded once, by one of them');
  assert.deepEqual(new Set([...a, ...b]), new Set(notices.map((n) => n.relPath.replace(/^\//, ''))));
});

test('winnow: the passive one keeps its duplicate cache warm from the active one\'s output', { timeout: 120_000 }, async () => {
  const notice = (i: number): Notice => ({
    pubTime: nowTimestamp(), baseUrl: 'http://up/', relPath: `/w/f${i}`, size: i,
    identity: { method: 'sha512', value: Buffer.from(`w${i}`).toString('base64') },
  });
  const first = Array.from({ length: 50 }, (_, i) => notice(i));
  const out = await collector(v.url, 'xw_out');
  await ip('add', VIP_A);
  await pair('winnow', 'w', async () => {
    await waitFor('a consuming the shared queue', async () => (await consumersOf('q_guest.winnow.vip.shared')) === 1, 30_000);
    await publish(v.url, 'xw_in', first);
    await waitFor('50 passed by a', () => out.decoded.length >= 50, 30_000);
    await new Promise((r) => setTimeout(r, 2000)); // b reads a's output within its next passive look
    await ip('del', VIP_A);
    await ip('add', VIP_B);
    await waitFor('a released the queue', async () => await noVip('winnow', 'wa'), 30_000);
    // the same 50 again, from a redundant source, then 10 new ones: b passes only the new ones
    await publish(v.url, 'xw_in', [...first.map((n) => ({ ...n, pubTime: nowTimestamp() })), ...Array.from({ length: 10 }, (_, i) => notice(100 + i))]);
    await waitFor('the 10 new ones passed', () => out.decoded.length >= 60, 30_000);
    await waitFor('the shared queue empty', async () =>
      (await v.mgmt.queues(v.vhost)).find((x) => x.name === 'q_guest.winnow.vip.shared')?.messages === 0, 30_000);
    await new Promise((r) => setTimeout(r, 1500));
  });
  await ip('del', VIP_B);
  await out.close();
  const rels = out.decoded.map((d) => d.notice.relPath);
  assert.equal(rels.length, 60, 'the repeated 50 were suppressed by b');
  assert.equal(new Set(rels).size, 60);
});
