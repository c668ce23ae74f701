// ACCEPTANCE check 1 through the real CLI: declare twice, cleanup removes, remove leaves status empty (verified on the broker).
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { runCli } from '@sarra/testkit/child';

let vh: TestVhost;
let h: TempHome;

before(async () => {
  vh = await withVhost('sr-lifecycle');
  h = await tempHome();
  const broker = vh.url.replace('guest:guest@', 'guest@');
  await h.writeConfig('credentials.conf', `${vh.url}\n`);
  await h.writeConfig('sarra/download.conf', [
    `broker ${broker}`, 'exchange xsarra', 'topicPrefix v03', 'subtopic #', `post_broker ${broker}`, 'post_exchange xflow_public',
    'post_baseUrl http://localhost:8080', `directory ${h.home}/docroot`, 'accept .*', '',
  ].join('\n'));
  await h.writeConfig('subscribe/amqp.conf', [
    `broker ${broker}`, 'exchange xflow_public', 'topicPrefix v03', 'subtopic WXO-DD.#', 'subtopic other.#', `directory ${h.home}/sub`, 'accept .*', '',
  ].join('\n'));
});

after(async () => {
  await h.cleanup();
  await vh.cleanup();
});

async function exchanges(): Promise<string[]> {
  return (await vh.mgmt.exchanges(vh.vhost)).map((x) => x.name).filter((n) => n && !n.startsWith('amq.')).sort();
}
async function queues(): Promise<{ name: string; durable?: boolean }[]> {
  return (await vh.mgmt.queues(vh.vhost)) as { name: string; durable?: boolean }[];
}

test('sr declare creates exchanges and one durable queue per consumer, twice without error', async () => {
  for (let i = 0; i < 2; i++) {
    const r = await runCli(['declare'], h.env);
    assert.equal(r.code, 0, `declare #${i + 1}: ${r.stderr}`);
  }
  assert.deepEqual(await exchanges(), ['xflow_public', 'xsarra']);
  const qs = await queues();
  assert.equal(qs.length, 2, JSON.stringify(qs));
  assert.ok(qs.every((q) => q.durable === true));
  assert.ok(qs.some((q) => q.name.startsWith('q_guest.sarra.download.')));
  assert.ok(qs.some((q) => q.name.startsWith('q_guest.subscribe.amqp.')));
  const subQ = qs.find((q) => q.name.startsWith('q_guest.subscribe.amqp.'))!.name;
  const keys = (await vh.mgmt.bindings(vh.vhost)).filter((b) => b.destination === subQ && b.source === 'xflow_public').map((b) => b.routing_key).sort();
  assert.deepEqual(keys, ['v03.WXO-DD.#', 'v03.other.#']);
  // the queue name is persisted, so the instances will consume the declared queue
  const state = await readdir(join(h.cacheDir, 'subscribe', 'amqp'));
  assert.ok(state.some((n) => n.endsWith('.qname')));
});

test('sr cleanup removes the queues and the exchanges posted to (sr3 keeps those only read from); sr remove leaves sr status empty', async () => {
  const refused = await runCli(['cleanup'], h.env);
  assert.notEqual(refused.code, 0, 'cleanup of 2 configurations needs --dangerWillRobinson=2');
  const r = await runCli(['cleanup', '--dangerWillRobinson=2'], h.env);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await queues(), []);
  // xflow_public (sarra/download posts to it) goes once subscribe/amqp's queue is gone; xsarra is only read from
  assert.deepEqual(await exchanges(), ['xsarra']);
  const rm = await runCli(['remove', 'sarra/download', 'subscribe/amqp'], h.env);
  assert.equal(rm.code, 0, rm.stderr);
  const st = await runCli(['status', '--json'], h.env);
  assert.equal(st.code, 0, st.stderr);
  assert.deepEqual(JSON.parse(st.stdout), []);
});
