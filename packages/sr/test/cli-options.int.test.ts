// Issue 19 items 4 and 10 through the real CLI and RabbitMQ: sr_post / sr post with every option on the command
// line and no configuration file (sr3_post's -pb/-pbu/-pe), --option overrides on show, sr_subscribe list.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect, type Channel, type ChannelModel } from 'amqplib';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { runCli } from '@sarra/testkit/child';

let vh: TestVhost;
let h: TempHome;
let cwd: string;
let conn: ChannelModel;
let ch: Channel;
let broker: string;

before(async () => {
  vh = await withVhost('sr-cli-options');
  h = await tempHome();
  cwd = await mkdtemp(join(tmpdir(), 'sarra-cwd-'));
  broker = vh.url.replace('guest:guest@', 'guest@');
  await h.writeConfig('credentials.conf', `${vh.url}\n`);
  await h.writeConfig('subscribe/wxo.conf', `broker ${broker}\nexchange xpublic\nsubtopic #\ndirectory ${h.home}/sub\naccept .*\n`);
  await h.writeConfig('post/one.conf', `post_broker ${broker}\npost_exchange xnewcomer\npost_baseUrl http://127.0.0.1:41425/\n`);
  await writeFile(join(cwd, 'file'), 'hello\n');
  conn = await connect(vh.url);
  ch = await conn.createChannel();
  await ch.assertExchange('xnewcomer', 'topic', { durable: true, autoDelete: false });
  await ch.assertQueue('q_watch', { durable: false });
  await ch.bindQueue('q_watch', 'xnewcomer', '#');
});

after(async () => {
  await conn.close();
  await h.cleanup();
  await rm(cwd, { recursive: true, force: true });
  await vh.cleanup();
});

async function posted(): Promise<{ baseUrl: string; relPath: string }> {
  for (let i = 0; i < 50; i++) {
    const m = await ch.get('q_watch', { noAck: true });
    if (m) return JSON.parse(m.content.toString()) as { baseUrl: string; relPath: string };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('nothing published to xnewcomer');
}

test('sr_post -pb -pbu -pe <file>, no configuration file: the file is announced on that exchange', async () => {
  const r = await runCli(['-pb', broker, '-pbu', 'http://127.0.0.1:41425/', '-pe', 'xnewcomer', 'file'], h.env, { bin: 'sr_post.js', cwd });
  assert.equal(r.code, 0, r.stderr);
  const m = await posted();
  assert.equal(m.baseUrl, 'http://127.0.0.1:41425/');
  assert.match(m.relPath, /\/file$/);
});

test('sr post -pb ... <file> (sr style), and with -c a configuration whose options the command line overrides', async () => {
  const r = await runCli(['post', '-pb', broker, '--post_baseUrl', 'http://127.0.0.1:41425/', '--post_exchange', 'xnewcomer', 'file'], h.env, { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.match((await posted()).relPath, /\/file$/);
  const c = await runCli(['post', '-c', 'post/one', '-pbu', 'http://127.0.0.1:41426/', 'file'], h.env, { cwd });
  assert.equal(c.code, 0, c.stderr);
  assert.equal((await posted()).baseUrl, 'http://127.0.0.1:41426/');
  const none = await runCli(['post', 'file'], h.env, { cwd });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /sr post -pb <broker> -pbu <post_baseUrl>/);
});

test('--option value overrides on show and lint; sr_subscribe list lists subscribe only', async () => {
  const show = await runCli(['show', 'subscribe/wxo', '--logLevel', 'debug', '--json'], h.env, { cwd });
  assert.equal(show.code, 0, show.stderr);
  assert.equal((JSON.parse(show.stdout) as { logLevel: string }).logLevel, 'debug');
  const lint = await runCli(['lint', 'subscribe/wxo', '--directroy', '/x'], h.env, { cwd });
  assert.match(lint.stdout + lint.stderr, /<command line>:1: .*directroy.*directory/);
  const list = await runCli(['list'], h.env, { bin: 'sr_subscribe.js', cwd });
  assert.match(list.stdout, /subscribe\/wxo\.conf/);
  assert.doesNotMatch(list.stdout, /post\/one\.conf/);
});
