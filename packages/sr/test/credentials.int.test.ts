// A credentials.conf that group or others can read stops start/restart/foreground (and sr_<component> start)
// with one line naming the file and the chmod to run; `insecureCredentials on` or `chmod 600` lets it start;
// lint says it once however many configurations read the file. Through the real CLI, on a real broker.
import assert from 'node:assert/strict';
import { chmod, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { instancePids, kill9, pidFilePids, runCli, waitFor } from '@sarra/testkit/child';

let vh: TestVhost;
let h: TempHome;
let cred: string;

before(async () => {
  vh = await withVhost('sr-credentials');
  h = await tempHome();
  const broker = vh.url.replace('guest:guest@', 'guest@');
  cred = await h.writeConfig('credentials.conf', `${vh.url}\n`);
  for (const name of ['a', 'b']) {
    await h.writeConfig(`subscribe/${name}.conf`, [
      `broker ${broker}`, 'exchange xs_guest_cred', 'topicPrefix v03', 'subtopic #', `directory ${h.home}/recd_${name}`, 'expire 10m', 'accept .*', '',
    ].join('\n'));
  }
});

after(async () => {
  await chmod(cred, 0o600).catch(() => undefined);
  await runCli(['stop'], h.env).catch(() => undefined);
  for (const c of ['a', 'b']) for (const pid of await instancePids(h.home, 'subscribe', c)) kill9(pid);
  await h.cleanup();
  await vh.cleanup();
});

/** The lines of `text` that carry the refusal: the file and the chmod to run. */
function refusals(text: string): string[] {
  return text.split('\n').filter((l) => l.includes(`run chmod 600 ${cred}`));
}

async function nothingRuns(): Promise<void> {
  // a spawned instance writes its pid file and shows in /proc at once; give a slow one a moment
  await new Promise((r) => setTimeout(r, 500));
  for (const c of ['a', 'b']) {
    assert.deepEqual(await instancePids(h.home, 'subscribe', c), [], `subscribe/${c} has instances`);
    assert.deepEqual(await pidFilePids(h.cacheDir, 'subscribe', c), [], `subscribe/${c} has pid files`);
  }
}

test('a world-readable credentials.conf: lint says it once, start / sr_subscribe start / foreground refuse and start nothing', async () => {
  await chmod(cred, 0o644);

  const lint = await runCli(['lint'], h.env);
  assert.equal(lint.code, 1, 'lint: an error, as start treats it');
  const said = refusals(lint.stdout + lint.stderr);
  assert.equal(said.length, 1, `lint of two configurations says it once:\n${lint.stdout}${lint.stderr}`);
  assert.match(said[0]!, /credentials\.conf is readable by group or others \(mode 0644\)/);
  assert.ok(said[0]!.startsWith(`${cred}:0: `), said[0]);

  const start = await runCli(['start'], h.env);
  assert.equal(start.code, 1, start.stderr);
  assert.equal(refusals(start.stderr).length, 1, start.stderr);
  assert.equal(start.stderr.trim().split('\n').length, 1, `one line, nothing else:\n${start.stderr}`);
  assert.match(start.stderr, /^refused to start, nothing started: credentials\.conf is readable by group or others/);
  assert.equal(start.stdout, '');

  const v2 = await runCli(['start', 'a'], h.env, { bin: 'sr_subscribe.js' });
  assert.equal(v2.code, 1, v2.stderr);
  assert.equal(refusals(v2.stderr).length, 1, v2.stderr);

  const fg = await runCli(['foreground', 'subscribe/a'], h.env, { timeoutMs: 20_000 });
  assert.equal(fg.code, 1, fg.stderr);
  assert.equal(refusals(fg.stderr).length, 1, fg.stderr);
  await nothingRuns();
});

test('insecureCredentials on (default.conf) lets the same tree start, and lint no longer objects', async () => {
  await chmod(cred, 0o644);
  const dflt = await h.writeConfig('default.conf', 'insecureCredentials on\n');
  try {
    const lint = await runCli(['lint'], h.env);
    assert.equal(lint.code, 0, lint.stdout + lint.stderr);
    assert.deepEqual(refusals(lint.stdout + lint.stderr), []);
    const start = await runCli(['start', 'subscribe/a'], h.env);
    assert.equal(start.code, 0, start.stderr);
    await waitFor(async () => (await instancePids(h.home, 'subscribe', 'a')).length === 1, { what: 'subscribe/a running', timeoutMs: 20_000 });
  } finally {
    await runCli(['stop'], h.env);
    await rm(dflt, { force: true });
  }
  await waitFor(async () => (await instancePids(h.home, 'subscribe', 'a')).length === 0, { what: 'subscribe/a stopped', timeoutMs: 30_000 });
});

test('chmod 600 makes it start; exposed again, restart refuses and leaves the running instance alone', async () => {
  await chmod(cred, 0o600);
  const start = await runCli(['start', 'subscribe/a'], h.env);
  assert.equal(start.code, 0, start.stderr);
  const [pid] = await waitFor(async () => { const p = await instancePids(h.home, 'subscribe', 'a'); return p.length === 1 ? p : undefined; },
    { what: 'subscribe/a running', timeoutMs: 20_000 });
  // past its own load of the configuration (an instance still starting would refuse the exposed file itself)
  const log = join(h.cacheDir, 'log', 'subscribe_a_01.log');
  await waitFor(async () => {
    const text = await readFile(log, 'utf8').catch(() => '');
    const mine = text.indexOf(`pid ${pid}`);
    return mine >= 0 && text.indexOf('consuming queue', mine) > mine;
  }, { what: `subscribe/a (pid ${pid}) consuming`, timeoutMs: 20_000 });

  await chmod(cred, 0o640);
  const restart = await runCli(['restart', 'subscribe/a'], h.env);
  assert.equal(restart.code, 1, restart.stderr);
  assert.equal(refusals(restart.stderr).length, 1, restart.stderr);
  assert.match(restart.stderr, /readable by group or others \(mode 0640\)/);
  assert.deepEqual(await instancePids(h.home, 'subscribe', 'a'), [pid], 'the running instance was not stopped');

  await chmod(cred, 0o600);
  const stop = await runCli(['stop'], h.env);
  assert.equal(stop.code, 0, stop.stderr);
  await waitFor(async () => (await instancePids(h.home, 'subscribe', 'a')).length === 0, { what: 'subscribe/a stopped', timeoutMs: 30_000 });
});

test('exposed while running: sr sanity does not bring back a killed instance', async () => {
  await chmod(cred, 0o600);
  const start = await runCli(['start', 'subscribe/b'], h.env);
  assert.equal(start.code, 0, start.stderr);
  const [pid] = await waitFor(async () => { const p = await instancePids(h.home, 'subscribe', 'b'); return p.length === 1 ? p : undefined; },
    { what: 'subscribe/b running', timeoutMs: 20_000 });
  await chmod(cred, 0o604);
  kill9(pid!);
  await waitFor(async () => (await instancePids(h.home, 'subscribe', 'b')).length === 0, { what: 'killed instance gone' });
  const san = await runCli(['sanity'], h.env);
  assert.equal(san.code, 0, san.stderr);
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(await instancePids(h.home, 'subscribe', 'b'), [], 'sanity restarted an instance with exposed credentials');
  await chmod(cred, 0o600);
});
