// lint = start: `sr start`, `sr foreground` and `sr restart` refuse exactly what `sr lint` refuses, with the same
// `file:line: message` lines, and start what it passes. Through the real CLI, with a temporary HOME and a real broker.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { instancePids, kill9, pidFilePids, runCli, waitFor } from '@sarra/testkit/child';

let vh: TestVhost;
let h: TempHome;
let broker: string;

/** A subscribe configuration on the test vhost, plus `extra` lines. */
function subscribe(extra: string[]): string {
  return [`broker ${broker}`, 'exchange xs_guest_lint', 'subtopic #', 'expire 10m', `directory ${h.home}/data`, ...extra, 'accept .*', ''].join('\n');
}

/** Bad configurations: component/name -> [text, the message its error must carry]. */
const BAD: Record<string, [() => string, RegExp]> = {
  'subscribe/typo': [() => subscribe(['mirrror on']), /unknown option 'mirrror' \(did you mean 'mirror'\?\)/],
  'subscribe/accel': [() => subscribe(['accel_wget_threshold 1M']), /accel_wget_threshold: not supported by sarra-ts \(.*accelerators\)/],
  'subscribe/v2plugin': [() => subscribe(['on_message msg_delay']), /on_message: not supported by sarra-ts \(a v2 Python plugin/],
  'subscribe/nohook': [() => subscribe(['callback nosuch']), /callback nosuch: no such plugin module/],
  'subscribe/undeclared': [() => subscribe(['callback counter', 'counter_limt 3']), /unknown option 'counter_limt' \(did you mean 'counter_limit'\?\)/],
  'subscribe/badvalue': [() => subscribe(['callback counter', 'counter_limit lots']), /counter_limit: not a count/],
  'shovel/mqttws': [() => 'broker mqttws://guest@127.0.0.1/\npost_broker mqtt://guest@127.0.0.1/\naccept .*\n', /broker: not supported by sarra-ts \(MQTT over WebSocket/],
  'shovel/wis': [() => `broker ${broker}\npost_broker ${broker}\npost_format wis\naccept .*\n`, /post_format wis: post_topicPrefix 'v03' is not a WIS2 topic/],
  'sender/s3': [() => `broker ${broker}\nsendTo s3://bucket/\naccept .*\n`, /sendTo: not supported by sarra-ts \(no s3 transfers/],
};

before(async () => {
  vh = await withVhost('sr-lint-start');
  h = await tempHome();
  broker = vh.url.replace('guest:guest@', 'guest@');
  await h.writeConfig('credentials.conf', `${vh.url}\n`);
  // a callback module declaring its option, sr3 add_option style: known to lint and to start
  await h.writeConfig('plugins/counter.mjs', [
    'export const options = { counter_limit: { kind: "count", default: 10 } };',
    'export default class Counter { constructor(o) { this.name = "counter"; this.limit = o.pluginOptions.counter_limit; } }', '',
  ].join('\n'));
  for (const [name, [text]] of Object.entries(BAD)) await h.writeConfig(`${name}.conf`, text());
  // good: sr3 and v2 names, an obsolete v2 key (a warning), a v2 plugin sr3 builds in, a declared plugin option
  await h.writeConfig('subscribe/good.conf', subscribe([
    'expiry 10m', 'inline_max 2k', 'cache_stat on', 'on_message msg_log', 'callback counter', 'counter_limit 5', 'integrity sha512',
  ]));
});

after(async () => {
  await runCli(['stop'], h.env).catch(() => undefined);
  for (const pid of await instancePids(h.home, 'subscribe', 'good')) kill9(pid);
  await h.cleanup();
  await vh.cleanup();
});

/** The `file:line: message` error lines of a `sr lint` output, by configuration file. */
function lintErrors(out: string): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const line of out.split('\n')) {
    const m = /^(\/\S+\.conf):\d+: (?!warning: )/.exec(line);
    if (m) by.set(m[1]!, [...(by.get(m[1]!) ?? []), line]);
  }
  return by;
}

/** The refusal blocks of a `sr start` (or foreground) output: component/config -> its indented error lines. */
function refusals(err: string): Map<string, string[]> {
  const by = new Map<string, string[]>();
  let cur: string | undefined;
  for (const line of err.split('\n')) {
    const head = /^(\S+\/\S+): refused to (?:start|run|restart)\b.*configuration has errors:$/.exec(line);
    if (head) { cur = head[1]!; by.set(cur, []); continue; }
    if (cur && line.startsWith('  ')) by.get(cur)!.push(line.slice(2));
    else cur = undefined;
  }
  return by;
}

test('bad configurations: sr lint and sr start refuse each with the same file:line lines; nothing starts', async () => {
  const names = Object.keys(BAD);
  const lint = await runCli(['lint', ...names], h.env);
  assert.equal(lint.code, 1, lint.stdout + lint.stderr);
  const linted = lintErrors(lint.stdout);
  const start = await runCli(['start', ...names], h.env);
  assert.equal(start.code, 1, start.stdout + start.stderr);
  const refused = refusals(start.stderr);
  for (const [name, [, want]] of Object.entries(BAD)) {
    const file = `${h.configDir}/${name}.conf`;
    const l = linted.get(file) ?? [];
    assert.ok(l.some((x) => want.test(x)), `lint of ${name}: ${want} in\n${lint.stdout}`);
    assert.deepEqual(refused.get(name), l, `start refuses ${name} with lint's lines`);
    const [comp, cfg] = name.split('/') as [string, string];
    assert.deepEqual(await pidFilePids(h.cacheDir, comp, cfg), [], `${name}: no pid file`);
  }
  assert.doesNotMatch(start.stdout, /started/);
});

test('sr foreground and sr restart refuse what lint refuses, with the same lines', async () => {
  for (const name of ['subscribe/typo', 'shovel/wis', 'subscribe/badvalue']) {
    const lint = await runCli(['lint', name], h.env);
    const fg = await runCli(['foreground', name], h.env, { timeoutMs: 30_000 });
    assert.equal(fg.code, 1, fg.stdout + fg.stderr);
    assert.deepEqual(refusals(fg.stderr).get(name), lintErrors(lint.stdout).get(`${h.configDir}/${name}.conf`), name);
    const rs = await runCli(['restart', name], h.env, { timeoutMs: 30_000 });
    assert.equal(rs.code, 1, rs.stdout + rs.stderr);
    assert.deepEqual(refusals(rs.stderr).get(name), lintErrors(lint.stdout).get(`${h.configDir}/${name}.conf`), name);
  }
});

test('a good configuration: lint passes (the obsolete v2 key a warning) and sr start starts it', async () => {
  const file = `${h.configDir}/subscribe/good.conf`;
  const lint = await runCli(['lint', 'subscribe/good'], h.env);
  assert.equal(lint.code, 0, lint.stdout + lint.stderr);
  assert.match(lint.stdout, new RegExp(`^${file.replace(/[.]/g, '\\.')}:\\d+: warning: cache_stat: obsolete v2 option, ignored \\(as sr3 does\\)$`, 'm'));
  const show = await runCli(['show', 'subscribe/good', '--json'], h.env);
  assert.equal(show.code, 0, show.stderr);
  const o = JSON.parse(show.stdout) as Record<string, unknown>;
  assert.equal(o.expire, 600);
  assert.equal(o.inlineByteMax, 2048);
  assert.ok((o.logEvents as string[]).includes('after_accept'));
  const start = await runCli(['start', 'subscribe/good'], h.env);
  assert.equal(start.code, 0, start.stdout + start.stderr);
  assert.match(start.stdout, /subscribe\/good: started 1 instance/);
  await waitFor(async () => (await instancePids(h.home, 'subscribe', 'good')).length === 1, { what: 'the instance running' });
  const stop = await runCli(['stop', 'subscribe/good'], h.env);
  assert.equal(stop.code, 0, stop.stdout + stop.stderr);
});
