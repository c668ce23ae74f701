// ACCEPTANCE check 2 through the real CLI: start 5 instances, kill -9 one, status says part, sanity restores one, stop, start twice.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { instancePids, isAlive, kill9, pidFilePids, runCli, waitFor } from '@sarra/testkit/child';

let vh: TestVhost;
let h: TempHome;

before(async () => {
  vh = await withVhost('sr-supervisor');
  h = await tempHome();
  const broker = vh.url.replace('guest:guest@', 'guest@');
  await h.writeConfig('credentials.conf', `${vh.url}\n`);
  await h.writeConfig('subscribe/polled.conf', [
    `broker ${broker}`, 'exchange xs_tsource_poll', 'topicPrefix v03', 'subtopic #', 'instances 5',
    `directory ${h.home}/recd_by_poll`, 'expire 10m', 'accept .*', '',
  ].join('\n'));
});

after(async () => {
  await runCli(['stop'], h.env).catch(() => undefined);
  for (const pid of await instancePids(h.home, 'subscribe', 'polled')) kill9(pid);
  await h.cleanup();
  await vh.cleanup();
});

interface StatusRecord { component: string; config: string; state: string; running: number; expected: number; pids: number[]; restarts: number }

async function status(): Promise<StatusRecord[]> {
  const r = await runCli(['status', '--json'], h.env);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as StatusRecord[];
}

test('sr start gives 5 instances with pid files; kill -9 one -> part; sanity restores exactly one; stop; start twice', async () => {
  const started = await runCli(['start', 'subscribe/polled'], h.env);
  assert.equal(started.code, 0, started.stderr);
  const pids = await waitFor(async () => { const p = await instancePids(h.home, 'subscribe', 'polled'); return p.length === 5 ? p : undefined; },
    { what: '5 instance processes', timeoutMs: 20_000 });
  assert.deepEqual(await pidFilePids(h.cacheDir, 'subscribe', 'polled'), pids);
  let st = await status();
  assert.equal(st.length, 1);
  assert.equal(st[0]!.running, 5);
  assert.equal(st[0]!.expected, 5);
  assert.notEqual(st[0]!.state, 'part');

  const victim = pids[2]!;
  kill9(victim);
  await waitFor(async () => !(await isAlive(victim)), { what: 'killed instance gone' });
  st = await status();
  assert.equal(st[0]!.state, 'part');
  assert.equal(st[0]!.running, 4);

  const san = await runCli(['sanity'], h.env);
  assert.equal(san.code, 0, san.stderr);
  const after = await waitFor(async () => { const p = await instancePids(h.home, 'subscribe', 'polled'); return p.length === 5 ? p : undefined; },
    { what: '5 instances after sanity', timeoutMs: 20_000 });
  const fresh = after.filter((p) => !pids.includes(p));
  assert.equal(fresh.length, 1, `exactly one new pid, got ${fresh.join(' ')}`);
  assert.ok(!after.includes(victim));
  // the restart is counted where the supervisor keeps its state, shown by status --json and the footer
  st = await status();
  assert.equal(st[0]!.restarts, 1);
  assert.match((await runCli(['status'], h.env)).stdout, /^subscribe\/polled: restarted 1 time\(s\) by sr sanity/m);

  const t0 = Date.now();
  const stopped = await runCli(['stop'], h.env);
  assert.equal(stopped.code, 0, stopped.stderr);
  await waitFor(async () => (await instancePids(h.home, 'subscribe', 'polled')).length === 0, { what: 'no instances', timeoutMs: 30_000 });
  assert.ok(Date.now() - t0 < 30_000);
  assert.deepEqual(await pidFilePids(h.cacheDir, 'subscribe', 'polled'), []);
  st = await status();
  assert.equal(st[0]!.state, 'stop');

  const again1 = await runCli(['start', 'subscribe/polled'], h.env);
  assert.equal(again1.code, 0, again1.stderr);
  const running = await waitFor(async () => { const p = await instancePids(h.home, 'subscribe', 'polled'); return p.length === 5 ? p : undefined; },
    { what: '5 instances after restart', timeoutMs: 20_000 });
  assert.equal((await status())[0]!.restarts, 0, 'a fresh start counts from 0');
  const again2 = await runCli(['start', 'subscribe/polled'], h.env);
  assert.equal(again2.code, 0, again2.stderr);
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(await instancePids(h.home, 'subscribe', 'polled'), running, 'second start spawned nothing');
});

test('a configuration that fails lint is refused at start with file:line', async () => {
  const file = await h.writeConfig('subscribe/broken.conf', `broker ${vh.url}\nexchange xs_x\nnodupe_ttl banana\nno_such_option 3\n`);
  const r = await runCli(['start', 'subscribe/broken'], h.env);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, new RegExp(`${file.replace(/[.]/g, '\\.')}:3`));
  assert.deepEqual(await instancePids(h.home, 'subscribe', 'broken'), []);
});

test('hung: an instance that stops writing (SIGSTOP) is shown hung, killed and restarted by sanity', async () => {
  const broker = vh.url.replace('guest:guest@', 'guest@');
  await h.writeConfig('subscribe/sleepy.conf', [`broker ${broker}`, 'exchange xsleepy', 'topicPrefix v03', 'housekeeping 1',
    'runStateThreshold_hung 3', `directory ${h.home}/sleepy`, 'accept .*', ''].join('\n'));
  assert.equal((await runCli(['declare', 'subscribe/sleepy'], h.env)).code, 0);
  assert.equal((await runCli(['start', 'subscribe/sleepy'], h.env)).code, 0);
  const [pid] = await waitFor(async () => { const p = await instancePids(h.home, 'subscribe', 'sleepy'); return p.length === 1 ? p : undefined; },
    { what: 'sleepy instance' });
  // let it come up and write its metrics, then freeze it
  await waitFor(async () => {
    const r = await runCli(['status', '--json', 'subscribe/sleepy'], h.env);
    return (JSON.parse(r.stdout) as StatusRecord[])[0]!.state === 'run';
  }, { what: 'state run', timeoutMs: 30_000, intervalMs: 1000 });
  process.kill(pid!, 'SIGSTOP');
  try {
    await waitFor(async () => {
      const r = await runCli(['status', '--json', 'subscribe/sleepy'], h.env);
      return (JSON.parse(r.stdout) as StatusRecord[])[0]!.state === 'hung';
    }, { what: 'state hung', timeoutMs: 30_000, intervalMs: 1000 });
    const san = await runCli(['sanity', 'subscribe/sleepy'], h.env);
    assert.equal(san.code, 0, san.stderr);
    assert.match(san.stdout, /hung/);
    const now = await waitFor(async () => { const p = await instancePids(h.home, 'subscribe', 'sleepy'); return p.length === 1 && p[0] !== pid ? p : undefined; },
      { what: 'a new sleepy instance' });
    assert.ok(!(await isAlive(pid!)));
    assert.notEqual(now[0], pid);
  } finally {
    kill9(pid!);
    await runCli(['stop', 'subscribe/sleepy'], h.env);
  }
});

test('strays: an instance whose pid file is gone is reported by status and sanity, and stopped by a plain sr stop', async () => {
  const broker = vh.url.replace('guest:guest@', 'guest@');
  await h.writeConfig('subscribe/lost.conf', [`broker ${broker}`, 'exchange xlost', 'topicPrefix v03', `directory ${h.home}/lost`, 'accept .*', ''].join('\n'));
  assert.equal((await runCli(['start', 'subscribe/lost'], h.env)).code, 0);
  const [pid] = await waitFor(async () => { const p = await instancePids(h.home, 'subscribe', 'lost'); return p.length === 1 ? p : undefined; },
    { what: 'lost instance' });
  // the instance rewrites its pid file at start-up: wait for that before losing it
  await new Promise((r) => setTimeout(r, 3000));
  await rm(join(h.cacheDir, 'subscribe', 'lost', 'subscribe_lost_01.pid'));
  const st = await runCli(['status'], h.env);
  assert.match(st.stdout, /stray: 1 \)/);
  const san = await runCli(['sanity', 'subscribe/polled'], h.env);
  assert.match(san.stdout, new RegExp(`stray: pid ${pid} subscribe/lost`));
  assert.equal((await runCli(['stop'], h.env)).code, 0);
  await waitFor(async () => !(await isAlive(pid!)), { what: 'stray stopped', timeoutMs: 30_000 });
});
