// sr_post (v2 shim) one-shot posting, sr foreground, enable/disable, status --serve: through the real CLI and broker.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { declareTopology } from '@sarra/broker';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { REPO_ROOT, instancePids, isAlive, pidFilePids, runCli, waitFor } from '@sarra/testkit/child';

let vh: TestVhost;
let h: TempHome;
let broker: string;

before(async () => {
  vh = await withVhost('sr-commands');
  h = await tempHome();
  broker = vh.url.replace('guest:guest@', 'guest@');
  await h.writeConfig('credentials.conf', `${vh.url}\n`);
});

after(async () => {
  await runCli(['stop', '--dangerWillRobinson'], h.env).catch(() => undefined);
  await h.cleanup();
  await vh.cleanup();
});

test('sr_post -c <config> <paths> posts each file once to the post exchange and exits 0', async () => {
  const data = join(h.home, 'data');
  await mkdir(join(data, 'a'), { recursive: true });
  await writeFile(join(data, 'a', 'one.txt'), 'one');
  await writeFile(join(data, 'a', 'two.txt'), 'two');
  await h.writeConfig('post/mine.conf', [`post_broker ${broker}`, 'post_exchange xposted', 'post_topicPrefix v03',
    `post_baseDir ${data}`, 'post_baseUrl http://127.0.0.1:1/', 'identity sha512', ''].join('\n'));
  await declareTopology({ url: vh.url, exchanges: ['xposted'], queue: { name: 'q_guest.check', durable: true }, bindings: [{ exchange: 'xposted', key: 'v03.#' }] });
  const r = await runCli(['-c', 'mine', join(data, 'a', 'one.txt'), join(data, 'a', 'two.txt')], h.env, { bin: 'sr_post.js' });
  assert.equal(r.code, 0, r.stderr);
  const n = await waitFor(async () => {
    const q = (await vh.mgmt.queues(vh.vhost)).find((x) => x.name === 'q_guest.check');
    return q && q.messages >= 2 ? q.messages : undefined;
  }, { what: '2 messages posted', timeoutMs: 20_000 });
  assert.equal(n, 2);
  assert.deepEqual(await pidFilePids(h.cacheDir, 'post', 'mine'), [], 'no pid file left by a one-shot post');
});

test('sr foreground runs instance 0 in the CLI process (status fore), SIGTERM stops it and removes its pid file', async () => {
  await h.writeConfig('subscribe/fg.conf', [`broker ${broker}`, 'exchange xfg', 'topicPrefix v03', `directory ${h.home}/fg`, 'accept .*', ''].join('\n'));
  assert.equal((await runCli(['declare', 'subscribe/fg'], h.env)).code, 0);
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'sr.js'), 'foreground', 'subscribe/fg'], { env: h.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor(async () => (await pidFilePids(h.cacheDir, 'subscribe', 'fg')).includes(child.pid!), { what: 'foreground pid file', timeoutMs: 20_000 });
  const st = await runCli(['status', '--json', 'subscribe/fg'], h.env);
  assert.equal((JSON.parse(st.stdout) as { state: string }[])[0]!.state, 'fore');
  // sr stop leaves a foreground instance alone without --dangerWillRobinson
  await runCli(['stop', 'subscribe/fg'], h.env);
  assert.ok(await isAlive(child.pid!));
  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  assert.deepEqual(await pidFilePids(h.cacheDir, 'subscribe', 'fg'), []);
  assert.match(stderr, /subscribe\/fg/, 'the foreground instance logs to stderr');
});

test('disable: start skips the configuration; disabling a running one is refused; enable restores', async () => {
  await h.writeConfig('subscribe/dis.conf', [`broker ${broker}`, 'exchange xdis', 'topicPrefix v03', `directory ${h.home}/dis`, 'accept .*', ''].join('\n'));
  assert.equal((await runCli(['disable', 'subscribe/dis'], h.env)).code, 0);
  await runCli(['start', 'subscribe/dis'], h.env);
  let st = JSON.parse((await runCli(['status', '--json', 'subscribe/dis'], h.env)).stdout) as { state: string }[];
  assert.equal(st[0]!.state, 'disa');
  assert.deepEqual(await instancePids(h.home, 'subscribe', 'dis'), []);
  assert.equal((await runCli(['enable', 'subscribe/dis'], h.env)).code, 0);
  assert.equal((await runCli(['start', 'subscribe/dis'], h.env)).code, 0);
  await waitFor(async () => (await instancePids(h.home, 'subscribe', 'dis')).length === 1, { what: 'instance started' });
  const refused = await runCli(['disable', 'subscribe/dis'], h.env);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /running/);
  assert.equal((await runCli(['stop', 'subscribe/dis'], h.env)).code, 0);
  st = JSON.parse((await runCli(['status', '--json', 'subscribe/dis'], h.env)).stdout) as { state: string }[];
  assert.equal(st[0]!.state, 'stop');
});

test('sr status --serve serves the table and the JSON records on 127.0.0.1', async () => {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'sr.js'), 'status', '--serve', '0'], { env: h.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.resume();
  try {
    const url = await waitFor(() => /http:\/\/127\.0\.0\.1:\d+\//.exec(out)?.[0], { what: 'status page URL', timeoutMs: 20_000 });
    const page = await (await fetch(url)).text();
    assert.match(page, /Component\/Config/);
    assert.match(page, /subscribe\/dis/);
    const json = (await (await fetch(`${url}status.json`)).json()) as { config: string }[];
    assert.ok(json.some((r) => r.config === 'dis'));
  } finally {
    child.kill('SIGTERM');
  }
});

test('v2 commands: sr_subscribe start/status/stop <config> act on subscribe/<config>', async () => {
  await h.writeConfig('subscribe/v2cmd.conf', [`broker ${broker}`, 'exchange xv2cmd', 'topicPrefix v03', `directory ${h.home}/v2cmd`, 'accept .*', ''].join('\n'));
  assert.equal((await runCli(['start', 'v2cmd'], h.env, { bin: 'sr_subscribe.js' })).code, 0);
  await waitFor(async () => (await instancePids(h.home, 'subscribe', 'v2cmd')).length === 1, { what: 'v2cmd instance' });
  const st = await runCli(['status', 'v2cmd.conf'], h.env, { bin: 'sr_subscribe.js' });
  assert.match(st.stdout, /^subscribe\/v2cmd\s+\S+\s+1\/1/m);
  assert.equal((await runCli(['stop', 'v2cmd'], h.env, { bin: 'sr_subscribe.js' })).code, 0);
  assert.deepEqual(await instancePids(h.home, 'subscribe', 'v2cmd'), []);
});

test('sr run starts the selection, stays in the foreground and stops everything on SIGTERM', async () => {
  await h.writeConfig('subscribe/runme.conf', [`broker ${broker}`, 'exchange xrunme', 'topicPrefix v03', 'instances 2', `directory ${h.home}/runme`, 'accept .*', ''].join('\n'));
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'sr.js'), 'run', 'subscribe/runme'], { env: h.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.resume();
  child.stderr.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor(async () => (await instancePids(h.home, 'subscribe', 'runme')).length === 2, { what: '2 runme instances', timeoutMs: 20_000 });
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.deepEqual(await instancePids(h.home, 'subscribe', 'runme'), []);
});
