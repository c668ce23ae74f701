// Issue 19 item 10 through the real CLI (no broker): every verb's `--help` is its own page (usage line naming the
// verb, its options), as are sr_<component> --help and sr_<component> <verb> --help; `sr --help` says where they are.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { runCli } from '@sarra/testkit/child';
import { ACTIONS } from '../src/cli.js';

let h: TempHome;
before(async () => { h = await tempHome(); });
after(async () => { await h.cleanup(); });

test('sr <verb> --help: every verb has its own usage, exit 0, nothing run', async () => {
  const pages = new Map<string, string>();
  await Promise.all(Object.keys(ACTIONS).map(async (verb) => {
    const r = await runCli([verb, '--help'], h.env);
    assert.equal(r.code, 0, `${verb}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^usage: sr (\\[[^\\]]*\\] )?${verb}\\b`), `${verb}:\n${r.stdout}`);
    assert.doesNotMatch(r.stdout, /^actions: /m, `${verb}: not the general help`);
    pages.set(verb, r.stdout);
  }));
  assert.match(pages.get('post')!, /-pb, --post_broker <url>/);
  assert.match(pages.get('post')!, /-c, --config <post\/name>/);
  assert.match(pages.get('start')!, /--logStdout/);
  assert.match(pages.get('status')!, /--json[\s\S]*--full[\s\S]*--serve <port>/);
  assert.match(pages.get('status')!, /\bfail\b/);
  assert.match(pages.get('cleanup')!, /--dangerWillRobinson=<N>/);
  assert.match(pages.get('convert')!, /--wololo/);
  const short = await runCli(['lint', '-h'], h.env);
  assert.equal(short.stdout, pages.get('lint'));
});

test('sr_subscribe --help is the v2 command\'s page; sr_subscribe start --help is start\'s; sr_post --help is post\'s', async () => {
  const v2 = await runCli(['--help'], h.env, { bin: 'sr_subscribe.js' });
  assert.equal(v2.code, 0, v2.stderr);
  assert.match(v2.stdout, /^usage: sr_subscribe \[options\] <action> \[config \.\.\.\]/);
  assert.match(v2.stdout, /sr_subscribe <action> x = sr <action> subscribe\/x/);
  const start = await runCli(['start', '--help'], h.env, { bin: 'sr_subscribe.js' });
  assert.equal(start.code, 0, start.stderr);
  assert.match(start.stdout, /^usage: sr \[--logStdout\] start /);
  const post = await runCli(['--help'], h.env, { bin: 'sr_post.js' });
  assert.equal(post.code, 0, post.stderr);
  assert.match(post.stdout, /^usage: sr_post -c post\/<config> /m);
  assert.match(post.stdout, /sr_post -pb <broker> -pbu <post_baseUrl>/);
});

test('sr --help: the general usage, pointing at sr <action> --help', async () => {
  const r = await runCli(['--help'], h.env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /actions: start stop/);
  assert.match(r.stdout, /sr <action> --help: that action's usage and options/);
});
