// Issue 19 item 6 on RabbitMQ: sr cleanup deletes the configuration's queue, never an exchange it reads from, and an
// exchange it posts to only when no other configuration names it and no client's queue is bound to it.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect, type ChannelModel } from 'amqplib';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { runCli } from '@sarra/testkit/child';

let vh: TestVhost;
let h: TempHome;
let conn: ChannelModel;

before(async () => {
  vh = await withVhost('sr-cleanup');
  h = await tempHome();
  const broker = vh.url.replace('guest:guest@', 'guest@');
  await h.writeConfig('credentials.conf', `${vh.url}\n`);
  const sub = (x: string) => [`broker ${broker}`, `exchange ${x}`, 'topicPrefix v03', 'subtopic #', `directory ${h.home}/d`, 'accept .*', ''].join('\n');
  await h.writeConfig('subscribe/one.conf', sub('xpublic'));
  await h.writeConfig('subscribe/two.conf', sub('xpublic'));
  await h.writeConfig('subscribe/lone.conf', sub('xlonely'));
  await h.writeConfig('subscribe/down.conf', sub('xpublic'));
  await h.writeConfig('post/feed.conf', `post_broker ${broker}\npost_exchange xpublic\npost_baseUrl http://127.0.0.1:1/\n`);
  await h.writeConfig('post/out.conf', `post_broker ${broker}\npost_exchange xout\npost_baseUrl http://127.0.0.1:1/\n`);
  await h.writeConfig('post/gone.conf', `post_broker ${broker}\npost_exchange xgone\npost_baseUrl http://127.0.0.1:1/\n`);
  const d = await runCli(['declare'], h.env);
  assert.equal(d.code, 0, d.stderr);
  // a client sarra-ts knows nothing of reads xout
  conn = await connect(vh.url);
  const ch = await conn.createChannel();
  await ch.assertQueue('q_other_client', { durable: false });
  await ch.bindQueue('q_other_client', 'xout', '#');
});

after(async () => {
  await conn.close();
  await h.cleanup();
  await vh.cleanup();
});

const exchanges = async (): Promise<string[]> => (await vh.mgmt.exchanges(vh.vhost)).map((x) => x.name).filter((n) => n.startsWith('x')).sort();
const queues = async (): Promise<string[]> => (await vh.mgmt.queues(vh.vhost)).map((q) => q.name).sort();

test('cleanup of one subscriber: its queue goes, xpublic (read from, posted to by post/feed, read by subscribe/two) stays', async () => {
  const r = await runCli(['cleanup', 'subscribe/one'], h.env);
  assert.equal(r.code, 0, r.stderr);
  assert.ok((await exchanges()).includes('xpublic'));
  const qs = await queues();
  assert.ok(!qs.some((q) => q.startsWith('q_guest.subscribe.one.')), qs.join(' '));
  assert.ok(qs.some((q) => q.startsWith('q_guest.subscribe.two.')), qs.join(' '));
  // even alone, an exchange only read from is not the subscriber's to delete
  const lone = await runCli(['cleanup', 'subscribe/lone'], h.env);
  assert.equal(lone.code, 0, lone.stderr);
  assert.ok((await exchanges()).includes('xlonely'));
});

test('cleanup of posters: an unused post exchange goes; one another client binds to, or another configuration reads, is kept and said', async () => {
  const gone = await runCli(['cleanup', 'post/gone'], h.env);
  assert.equal(gone.code, 0, gone.stderr);
  assert.match(gone.stdout, /post\/gone: deleted exchange\(s\) xgone/);
  const out = await runCli(['cleanup', 'post/out'], h.env);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /post\/out: kept exchange\(s\) xout \(in use: a queue is bound to it\)/);
  const feed = await runCli(['cleanup', 'post/feed'], h.env);
  assert.equal(feed.code, 0, feed.stderr);
  assert.match(feed.stdout, /post\/feed: kept exchange\(s\) xpublic \(another configuration uses it\)/);
  const xs = await exchanges();
  assert.ok(!xs.includes('xgone') && xs.includes('xout') && xs.includes('xpublic'), xs.join(' '));
});

test('cleanup with the broker unreachable: exit 1, the recorded queue name kept; once the broker is back a cleanup deletes queue and state', async () => {
  const qfile = join(h.cacheDir, 'subscribe', 'down', 'subscribe.down.guest.qname');
  const qname = (await readFile(qfile, 'utf8')).trim();
  assert.ok((await queues()).includes(qname), qname);
  const conf = await readFile(join(h.configDir, 'subscribe', 'down.conf'), 'utf8');
  // a closed loopback port: the queue cannot be deleted
  await h.writeConfig('subscribe/down.conf', conf.replace(/^broker .*$/m, 'broker amqp://guest@127.0.0.1:1/'));
  const down = await runCli(['cleanup', 'subscribe/down'], h.env);
  assert.equal(down.code, 1, down.stdout);
  assert.match(down.stderr, /subscribe\/down: /);
  assert.equal((await readFile(qfile, 'utf8')).trim(), qname, 'the queue name is still recorded');
  await h.writeConfig('subscribe/down.conf', conf);
  const up = await runCli(['cleanup', 'subscribe/down'], h.env);
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stdout, new RegExp(`subscribe/down: deleted queue ${qname.replaceAll('.', '\\.')}`));
  assert.ok(!(await queues()).includes(qname));
  await assert.rejects(readFile(qfile, 'utf8'), { code: 'ENOENT' });
});
