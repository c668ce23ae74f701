// sr declare and sr cleanup of a configuration with queueType quorum, through the real CLI and RabbitMQ: the queue
// is declared as its instances declare it (a durable quorum queue), and cleanup removes it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { runCli } from '@sarra/testkit/child';

let vh: TestVhost;
let h: TempHome;

before(async () => {
  vh = await withVhost('sr-queuetype');
  h = await tempHome();
  const broker = vh.url.replace('guest:guest@', 'guest@');
  await h.writeConfig('credentials.conf', `${vh.url}\n`);
  await h.writeConfig('shovel/quorum.conf', [
    `broker ${broker}`, 'exchange xqt', 'queueType quorum', `post_broker ${broker}`, 'post_exchange xqt_out', '',
  ].join('\n'));
});

after(async () => {
  await h.cleanup();
  await vh.cleanup();
});

test('sr declare declares a durable quorum queue; sr cleanup deletes it', async () => {
  const r = await runCli(['declare', 'shovel/quorum'], h.env);
  assert.equal(r.code, 0, r.stderr);
  const q = (await vh.mgmt.queues(vh.vhost)).find((x) => x.name.startsWith('q_guest.shovel.quorum.'));
  assert.ok(q, r.stdout);
  assert.equal(q.arguments['x-queue-type'], 'quorum');
  assert.equal(q.durable, true);
  const c = await runCli(['cleanup', 'shovel/quorum'], h.env);
  assert.equal(c.code, 0, c.stderr);
  assert.equal((await vh.mgmt.queues(vh.vhost)).length, 0);
});
