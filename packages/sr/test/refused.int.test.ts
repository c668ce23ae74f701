// A broker that refuses the login (wrong password, no credentials.conf) stops the instance at once with a reason that
// names the user, the broker and credentials.conf (file:line); sr status (table and --json) says fail with it, sanity
// leaves it stopped, a start after the fix runs. A malformed credentials.conf line voids only itself, said once by lint.
// Through the real CLI with a temporary HOME, on the real RabbitMQ.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { instancePids, kill9, pidFilePids, runCli, waitFor } from '@sarra/testkit/child';

let vh: TestVhost;
let h: TempHome;
let broker: string;
let cred: string;

interface Rec { component: string; config: string; state: string; running: number; failed?: { instance: number; reason: string; time: number } }

async function statusOf(config: string): Promise<Rec> {
  const r = await runCli(['status', '--json'], h.env);
  assert.equal(r.code, 0, r.stderr);
  const rec = (JSON.parse(r.stdout) as Rec[]).find((x) => x.config === config);
  assert.ok(rec, r.stdout);
  return rec;
}

before(async () => {
  vh = await withVhost('sr-refused');
  h = await tempHome();
  broker = vh.url.replace('guest:guest@', 'guest@');
  // line 2 is not a URL: it must not take line 1 (or 3) with it
  cred = await h.writeConfig('credentials.conf', `${vh.url.replace('guest:guest@', 'guest:wrong@')}\nthis is not a url\namqp://bob:x@example.com/\n`);
  for (const name of ['a', 'b']) {
    await h.writeConfig(`subscribe/${name}.conf`, [
      `broker ${broker}`, 'exchange xs_guest_refused', 'topicPrefix v03', 'subtopic #', `directory ${h.home}/recd_${name}`, 'expire 10m', '',
    ].join('\n'));
  }
});

after(async () => {
  await runCli(['stop'], h.env).catch(() => undefined);
  for (const c of ['a', 'b']) for (const pid of await instancePids(h.home, 'subscribe', c)) kill9(pid);
  if (!process.env.KEEP) await h.cleanup();
  await vh.cleanup();
});

test('lint: a malformed credentials.conf line is one warning at file:line, however many configurations read it', async () => {
  const lint = await runCli(['lint'], h.env);
  const out = lint.stdout + lint.stderr;
  const said = out.split('\n').filter((l) => l.includes('not a URL'));
  assert.deepEqual(said, [`${cred}:2: warning: not a URL (scheme://user:password@host): 'this'; line ignored`], out);
  assert.equal(lint.code, 0, `a warning, the other lines still count:\n${out}`);
  assert.doesNotMatch(out, /no password for/, 'line 1 still gives the broker its password');
});

test('a wrong password: the instance stops at once, sr status says fail with the user, broker and credentials.conf:1; sanity leaves it', async () => {
  const start = await runCli(['start', 'subscribe/a'], h.env);
  assert.equal(start.code, 0, start.stderr);
  // the instance exits by itself and removes its pid file: not a crash for sanity to repeat
  await waitFor(async () => (await pidFilePids(h.cacheDir, 'subscribe', 'a')).length === 0 &&
    (await instancePids(h.home, 'subscribe', 'a')).length === 0, { timeoutMs: 20_000, what: 'the refused instance to exit' });

  const rec = await statusOf('a');
  assert.equal(rec.state, 'fail');
  assert.equal(rec.running, 0);
  const reason = rec.failed?.reason ?? '';
  assert.match(reason, /^broker amqp:\/\/guest@127\.0\.0\.1:5672\/\S+ refused the login of user 'guest' \(403 ACCESS-REFUSED/);
  assert.ok(reason.includes(`comes from ${cred}:1`), reason);
  assert.ok(reason.includes(`${cred} line 2 ignored`), reason);
  assert.doesNotMatch(reason, /:wrong@/, 'no password in the reason');
  assert.equal(rec.failed?.instance, 1);

  const table = await runCli(['status'], h.env);
  const row = table.stdout.split('\n').find((l) => l.startsWith('subscribe/a '));
  assert.match(row ?? '', /\bfail\b/, table.stdout);
  assert.ok(table.stdout.includes(`subscribe/a: fail: ${reason}`), table.stdout);

  const log = await readFile(join(h.cacheDir, 'log', 'subscribe_a_01.log'), 'utf8');
  assert.equal(log.split('\n').filter((l) => l.includes('refused the login')).length, 1, `said once, never retried:\n${log}`);
  assert.doesNotMatch(log, /retrying in/, log);

  const sanity = await runCli(['sanity'], h.env);
  assert.equal(sanity.code, 0, sanity.stderr);
  assert.match(sanity.stdout, /subscribe\/a: not restarted, failed: broker .* refused the login/);
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(await instancePids(h.home, 'subscribe', 'a'), [], 'sanity started nothing');
  assert.equal((await statusOf('a')).state, 'fail');
});

test('sr declare with the wrong password says the same: user, broker, credentials.conf:1; exit 1', async () => {
  const r = await runCli(['declare', 'subscribe/b'], h.env);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^subscribe\/b: broker amqp:\/\/guest@127\.0\.0\.1:5672\/\S+ refused the login of user 'guest' \(403 ACCESS-REFUSED/m);
  assert.ok(r.stderr.includes(`comes from ${cred}:1; check it there`), r.stderr);
});

test('after fixing credentials.conf, sr start runs it again (fail cleared); sr stop of a failed one says stop', async () => {
  await h.writeConfig('credentials.conf', `${vh.url}\nthis is not a url\n`);
  assert.equal((await runCli(['start', 'subscribe/a'], h.env)).code, 0);
  await waitFor(async () => (await statusOf('a')).state === 'run', { timeoutMs: 20_000, what: 'subscribe/a to run' });
  assert.equal((await statusOf('a')).failed, undefined);
  assert.equal((await runCli(['stop', 'subscribe/a'], h.env)).code, 0);
  assert.equal((await statusOf('a')).state, 'stop');
});

test('no credentials.conf: sr foreground exits 78 at once, saying the file does not exist and the line to add', async () => {
  const bare = await tempHome();
  try {
    await bare.writeConfig('subscribe/c.conf', [`broker ${broker}`, 'exchange xs_guest_refused', 'topicPrefix v03', `directory ${bare.home}/d`, ''].join('\n'));
    const t0 = Date.now();
    const fg = await runCli(['foreground', 'subscribe/c'], bare.env, { timeoutMs: 30_000 });
    assert.equal(fg.code, 78, fg.stderr);
    assert.ok(Date.now() - t0 < 20_000, 'no back-off loop');
    const file = join(bare.configDir, 'credentials.conf');
    assert.match(fg.stderr, /refused the login of user 'guest' \(403 ACCESS-REFUSED: wrong password or unknown user\)/);
    assert.ok(fg.stderr.includes(`${file} does not exist: create it with a line for amqp://guest@127.0.0.1:5672/ with the password after the user name (guest:<password>), chmod 600`), fg.stderr);
  } finally {
    await bare.cleanup();
  }
});
