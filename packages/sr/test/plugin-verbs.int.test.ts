// sr3's on_declare, on_sanity and on_cleanup through the real CLI on RabbitMQ: sr declare calls onDeclare once the
// queue is declared, sr sanity calls onSanity, sr cleanup calls onCleanup after the queue is deleted and before the
// state files are; a plugin that throws is logged and the next plugin, and the command, go on.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { runCli } from '@sarra/testkit/child';

let vh: TestVhost;
let h: TempHome;

/** Appends `<entry> state:<files of the state directory>` to the file its option names. */
const VERBS = `import { appendFileSync, readdirSync } from 'node:fs';
export const options = { verbs_log: { kind: 'str', default: '' }, verbs_state: { kind: 'str', default: '' } };
export default class Verbs {
  name = 'verbs';
  constructor(o, logger) {
    this.file = o.pluginOptions.verbs_log; this.state = o.pluginOptions.verbs_state; this.logger = logger;
    this.timer = setInterval(() => {}, 1000); // keeps the process alive until onStop
  }
  note(entry) {
    let files = [];
    try { files = readdirSync(this.state).filter((f) => !f.endsWith('.pid')).sort(); } catch {}
    appendFileSync(this.file, entry + ' state:' + files.join(',') + '\\n');
  }
  onDeclare() { this.note('onDeclare'); }
  onSanity() { this.note('onSanity'); this.logger.debug('verbs sanity debug line'); }
  onCleanup() { this.note('onCleanup'); }
  onStop() { clearInterval(this.timer); appendFileSync(this.file, 'onStop\\n'); }
}
`;
const THROWER = `export default { name: 'thrower', onDeclare() { throw new Error('declare bug'); }, onSanity() { throw new Error('sanity bug'); } };\n`;

before(async () => {
  vh = await withVhost('sr-plugin-verbs');
  h = await tempHome();
  const broker = vh.url.replace('guest:guest@', 'guest@');
  await h.writeConfig('credentials.conf', `${vh.url}\n`);
  await h.writeConfig('plugins/verbs.mjs', VERBS);
  await h.writeConfig('plugins/thrower.mjs', THROWER);
  await h.writeConfig('subscribe/v.conf', [
    `broker ${broker}`, 'exchange xpublic', 'topicPrefix v03', 'subtopic #', `directory ${h.home}/d`,
    'logLevel debug', 'callback thrower', 'callback verbs', `verbs_log ${h.home}/verbs.log`, `verbs_state ${join(h.cacheDir, 'subscribe', 'v')}`, 'accept .*', '',
  ].join('\n'));
});

after(async () => {
  await h.cleanup();
  await vh.cleanup();
});

const notes = async (): Promise<string[]> => (await readFile(join(h.home, 'verbs.log'), 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);
const queues = async (): Promise<string[]> => (await vh.mgmt.queues(vh.vhost)).map((q) => q.name);

// a plugin whose constructor opened a timer would keep `sr` from exiting without its onStop: a short timeout
const sr = (args: string[]) => runCli(args, h.env, { timeoutMs: 15_000 });

test('sr declare: onDeclare after the queue is declared; a plugin that throws is logged, the next one called, exit 0, onStop', async () => {
  const r = await sr(['declare', 'subscribe/v']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /subscribe\/v: declared queue q_guest\.subscribe\.v\./);
  assert.match(r.stderr, /thrower\.onDeclare failed: declare bug/);
  const qname = (await queues()).find((q) => q.startsWith('q_guest.subscribe.v.'));
  assert.ok(qname, 'the queue is on the broker');
  assert.deepEqual(await notes(), ['onDeclare state:subscribe.v.guest.qname', 'onStop']);
});

test('sr sanity: onSanity of the configuration, a thrower logged, at the configuration\'s logLevel, then onStop', async () => {
  const r = await sr(['sanity', 'subscribe/v']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /thrower\.onSanity failed: sanity bug/);
  assert.match(r.stderr, /verbs sanity debug line/, 'logLevel debug honoured');
  assert.deepEqual((await notes()).slice(2), ['onSanity state:subscribe.v.guest.qname', 'onStop']);
});

test('sr cleanup: onCleanup once the queue is gone, before the state files are', async () => {
  const r = await sr(['cleanup', 'subscribe/v']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!(await queues()).some((q) => q.startsWith('q_guest.subscribe.v.')), 'the queue is deleted');
  assert.deepEqual((await notes()).slice(4), ['onCleanup state:subscribe.v.guest.qname', 'onStop'], 'the state files were still there');
  const r2 = await sr(['cleanup', 'subscribe/v']);
  assert.equal(r2.code, 0, r2.stderr);
  assert.deepEqual((await notes()).slice(6), ['onCleanup state:', 'onStop'], 'removed after onCleanup');
});
