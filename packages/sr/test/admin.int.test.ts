// `sr declare --users` against the real broker, `sr convert` of sr3/v2 trees, `sr show`/`sr lint` through the real CLI.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { runCli } from '@sarra/testkit/child';

let vh: TestVhost;
let h: TempHome;
const tag = Math.random().toString(36).slice(2, 8);
const SUB = `srsub${tag}`;
const SRC = `srsrc${tag}`;

before(async () => {
  vh = await withVhost('sr-admin');
  h = await tempHome();
});

after(async () => {
  await vh.mgmt.deleteUser(SUB).catch(() => undefined);
  await vh.mgmt.deleteUser(SRC).catch(() => undefined);
  await h.cleanup();
  await vh.cleanup();
});

async function adminConf(users: string[]): Promise<void> {
  const host = new URL(vh.url);
  const admin = `amqp://guest@${host.host}${host.pathname}`;
  await h.writeConfig('admin.conf', [`admin ${admin}`, ...users, ''].join('\n'));
  await h.writeConfig('credentials.conf', [vh.url, `amqp://${SUB}:pw-${SUB}@${host.host}${host.pathname}`,
    `amqp://${SRC}:pw-${SRC}@${host.host}${host.pathname}`, ''].join('\n'));
}

test('sr declare --users creates declared users with role permissions and their exchanges, removes them only with --dangerWillRobinson', async () => {
  await adminConf([`declare subscriber ${SUB}`, `declare source ${SRC}`]);
  const r = await runCli(['declare', '--users'], h.env);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const users = (await vh.mgmt.users()).map((u) => u.name);
  assert.ok(users.includes(SUB) && users.includes(SRC));
  const xs = (await vh.mgmt.exchanges(vh.vhost)).map((x) => x.name);
  for (const x of ['xpublic', 'xreport', `xs_${SUB}`, `xr_${SUB}`, `xl_${SUB}`, `xs_${SRC}`]) assert.ok(xs.includes(x), x);
  const perms = (await (await fetch(`http://127.0.0.1:15672/api/permissions/${encodeURIComponent(vh.vhost)}/${SUB}`,
    { headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` } })).json()) as { configure: string; write: string; read: string };
  assert.equal(perms.configure, `^q_${SUB}.*`);
  assert.equal(perms.write, `^q_${SUB}.*|^xs_${SUB}$`);

  // the subscriber is no longer declared: listed but kept without the guard
  await adminConf([`declare source ${SRC}`]);
  const dry = await runCli(['declare', '--users'], h.env);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, new RegExp(`would remove .*user no longer declared: ${SUB}`));
  assert.ok((await vh.mgmt.users()).some((u) => u.name === SUB));

  const real = await runCli(['declare', '--users', '--dangerWillRobinson'], h.env);
  assert.equal(real.code, 0, real.stderr);
  assert.ok(!(await vh.mgmt.users()).some((u) => u.name === SUB), 'subscriber removed');
  assert.ok((await vh.mgmt.users()).some((u) => u.name === SRC), 'source kept');
  const left = (await vh.mgmt.exchanges(vh.vhost)).map((x) => x.name);
  assert.ok(!left.includes(`xs_${SUB}`) && !left.includes(`xr_${SUB}`));
  assert.ok(left.includes(`xs_${SRC}`));
});

test('sr convert brings a v2 and an sr3 tree into ~/.config/sarra; the result passes sr lint', async () => {
  const v2 = join(h.home, 'old', '.config', 'sarra', 'subscribe');
  await mkdir(v2, { recursive: true });
  await writeFile(join(v2, 'legacy.conf'), ['broker amqp://anonymous@localhost/', 'exchange_suffix wxo', 'accept_unmatch off',
    'document_root /tmp', 'heartbeat 60', 'directory /tmp/legacy', 'accept .*', ''].join('\n'));
  const r = await runCli(['convert', join(v2, 'legacy.conf')], h.env);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const text = await readFile(join(h.configDir, 'subscribe', 'legacy.conf'), 'utf8');
  assert.match(text, /^exchangeSuffix wxo$/m);
  assert.match(text, /^topicPrefix v02\.post$/m);
  const again = await runCli(['convert', join(v2, 'legacy.conf')], h.env);
  assert.notEqual(again.code, 0, 'no overwrite without --wololo');

  const sr3 = join(h.home, 'sr3tree');
  await mkdir(join(sr3, 'shovel'), { recursive: true });
  await writeFile(join(sr3, 'default.conf'), 'logLevel info\n');
  await writeFile(join(sr3, 'shovel', 'copy.conf'), ['broker amqp://anonymous@localhost/', 'exchange xpublic',
    'post_broker amqp://anonymous@localhost/', 'post_exchange xcopy', 'accept .*', ''].join('\n'));
  const r2 = await runCli(['convert', sr3], h.env);
  assert.equal(r2.code, 0, r2.stderr + r2.stdout);
  assert.equal(await readFile(join(h.configDir, 'default.conf'), 'utf8'), 'logLevel info\n');
  const lint = await runCli(['lint', 'subscribe/legacy', 'shovel/copy'], h.env);
  assert.equal(lint.code, 0, lint.stdout + lint.stderr);
});

test('sr lint prints file:line: message and exits 1; sr show prints the effective options as JSON and YAML', async () => {
  const file = await h.writeConfig('sarra/bad.conf', 'broker amqp://anonymous@localhost/\nexchange xs_x\nbatch lots\n');
  const lint = await runCli(['lint', 'sarra/bad'], h.env);
  assert.equal(lint.code, 1);
  assert.match(lint.stdout, new RegExp(`^${file.replace(/\./g, '\\.')}:3: `, 'm'));
  const show = await runCli(['show', '--json', 'shovel/copy'], h.env);
  assert.equal(show.code, 0, show.stderr);
  const o = JSON.parse(show.stdout) as Record<string, unknown>;
  assert.equal(o.post_exchange, 'xcopy');
  assert.equal(o.component, 'shovel');
  const yaml = await runCli(['show', 'shovel/copy'], h.env);
  assert.match(yaml.stdout, /^post_exchange: xcopy$/m);
});
