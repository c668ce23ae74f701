// sr lint's report, through the real CLI with a temporary HOME (no broker: lint only reads files): a problem of a
// file several configurations read (default.conf, an include, credentials.conf) said and counted once, a summary
// line, `instances two` said to want a count, and a did-you-mean for a misspelt option.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { runCli } from '@sarra/testkit/child';

let h: TempHome;
let dflt: string, inc: string, cred: string;

before(async () => {
  h = await tempHome();
  dflt = await h.writeConfig('default.conf', 'badoption 1\n');
  inc = await h.writeConfig('common.inc', 'expire 10m\nacceptUnmatched maybe\n');
  cred = await h.writeConfig('credentials.conf', 'amqp://bob:pw@localhost/\nnot a url\n');
  for (const n of ['a', 'b']) {
    await h.writeConfig(`subscribe/${n}.conf`, ['broker amqp://bob@localhost/', 'exchange xpublic', 'include common.inc',
      'directroy /tmp/x', 'instances two', 'subtopic #', ''].join('\n'));
  }
  await h.writeConfig('subscribe/clean.conf', ['broker amqp://bob@localhost/', 'exchange xpublic', 'subtopic #', ''].join('\n'));
});

after(async () => {
  await h.cleanup();
});

test('lint of two configurations: shared files\' problems once, each configuration\'s own, a summary line', async () => {
  const r = await runCli(['lint', 'subscribe/a', 'subscribe/b'], h.env);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const lines = r.stdout.trim().split('\n');
  const once = (prefix: string): void =>
    assert.equal(lines.filter((l) => l.startsWith(prefix)).length, 1, `${prefix} once in\n${r.stdout}`);
  once(`${dflt}:1: unknown option 'badoption'`);
  once(`${inc}:2: acceptUnmatched: `);
  once(`${cred}:2: warning: not a URL`);
  for (const n of ['a', 'b']) {
    const file = `${h.configDir}/subscribe/${n}.conf`;
    once(`${file}:4: unknown option 'directroy' (did you mean 'directory'?)`);
    once(`${file}:5: instances: not a count: 'two' (expected a whole number such as 2;`);
  }
  assert.doesNotMatch(r.stdout, /not a size/);
  assert.equal(lines.length, 7, r.stdout);
  assert.equal(r.stderr.trim(), '2 configurations, 6 errors, 1 warning');
});

test('lint of a clean configuration: exit 0 and the summary says so', async () => {
  const r = await runCli(['lint', 'subscribe/clean'], h.env);
  // default.conf and credentials.conf are read by this one too
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.equal(r.stderr.trim(), '1 configuration, 1 error, 1 warning');
  await h.writeConfig('default.conf', '\n');
  await h.writeConfig('credentials.conf', 'amqp://bob:pw@localhost/\n');
  const ok = await runCli(['lint', 'subscribe/clean'], h.env);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.equal(ok.stdout, '');
  assert.equal(ok.stderr.trim(), '1 configuration, 0 errors, 0 warnings');
});
