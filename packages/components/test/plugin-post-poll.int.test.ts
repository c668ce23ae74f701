// sr3's onDeclare, post and ack in a real shovel, and poll in a real poll, on RabbitMQ: onDeclare once the queue is
// declared, post after the built-in post with what was published, ack with what was acknowledged (the queue empty),
// and a plugin's poll announcing its notices instead of listing pollUrl.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { nowTimestamp, type Notice } from '@sarra/message';
import { runInstance } from '../src/instance.js';
import { collector, declareExchanges, publish, waitFor } from './flowkit.js';

let v: TestVhost;
let home: TempHome;

/** Notes each entry point with the relPaths it was given, in a file. */
const NOTES = `import { appendFileSync } from 'node:fs';
export const options = { notes_file: { kind: 'str', default: '' } };
export default class Notes {
  name = 'notes';
  constructor(o) { this.file = o.pluginOptions.notes_file; }
  note(s) { appendFileSync(this.file, s + '\\n'); }
  onDeclare() { this.note('onDeclare'); }
  post(wl) { this.note('post ' + wl.ok.map((i) => i.notice.relPath).sort().join(',')); }
  ack(items) { this.note('ack ' + items.map((i) => i.notice.relPath).sort().join(',')); }
}
`;

const LISTER = `import { nowTimestamp } from '@sarra/plugin';
export default class Lister {
  name = 'lister';
  poll() {
    return [1, 2].map((n) => ({ pubTime: nowTimestamp(), baseUrl: 'https://api.example.com/', relPath: 'cat/item' + n + '.json', size: n }));
  }
}
`;

before(async () => {
  v = await withVhost('sarra-plugin-post-poll');
  home = await tempHome();
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  await home.writeConfig('plugins/notes.mjs', NOTES);
  await home.writeConfig('plugins/lister.mjs', LISTER);
  const broker = `amqp://guest@127.0.0.1:5672/${v.vhost}`;
  await home.writeConfig('shovel/notes.conf', [
    `broker ${broker}`, 'exchange xin', `post_broker ${broker}`, 'post_exchange xout',
    'callback notes', `notes_file ${join(home.home, 'notes.txt')}`, 'reject .*\\.tmp', 'accept .*', '',
  ].join('\n'));
  await home.writeConfig('poll/api.conf', [
    `post_broker ${broker}`, 'post_exchange xpoll', 'pollUrl http://127.0.0.1:9/', 'callback lister', '',
  ].join('\n'));
  await declareExchanges(v.url, ['xin', 'xout', 'xpoll']);
});

after(async () => {
  await v?.cleanup();
  await home?.cleanup();
});

const notice = (relPath: string): Notice => ({ pubTime: nowTimestamp(), baseUrl: 'http://src.example/', relPath, size: 1 });
const notes = async (): Promise<string[]> => (await readFile(join(home.home, 'notes.txt'), 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);

test('a shovel calls onDeclare once its queue is declared, post after the built-in post, ack with what it acknowledged', { timeout: 60_000 }, async () => {
  const out = await collector(v.url, 'xout');
  const ctl = new AbortController();
  const run = runInstance({ component: 'shovel', config: 'notes', instance: 1, foreground: false, env: home.env, signal: ctl.signal });
  try {
    await waitFor('onDeclare', async () => (await notes()).includes('onDeclare'), 30_000);
    assert.ok((await v.mgmt.queues(v.vhost)).some((q) => q.name.startsWith('q_guest.shovel.notes.')), 'the queue was declared before onDeclare');
    await publish(v.url, 'xin', [notice('a/one.txt'), notice('a/two.tmp'), notice('a/three.txt')]);
    await waitFor('acks noted', async () => (await notes()).filter((l) => l.startsWith('ack ')).join(' ').includes('a/three.txt'), 30_000);
    assert.deepEqual(out.got.map((n) => n.relPath).sort(), ['a/one.txt', 'a/three.txt'], 'published');
    const lines = await notes();
    // the passes may split the notices: for each, its post comes before its ack, and each is given once
    const at = (entry: string, rel: string): number[] => lines.flatMap((l, i) => (l.startsWith(`${entry} `) && l.slice(entry.length + 1).split(',').includes(rel) ? [i] : []));
    for (const rel of ['a/one.txt', 'a/three.txt']) {
      assert.equal(at('post', rel).length, 1, `${rel} posted by the plugin once: ${lines.join(' | ')}`);
      assert.equal(at('ack', rel).length, 1, `${rel} acked once: ${lines.join(' | ')}`);
      assert.ok(at('post', rel)[0]! < at('ack', rel)[0]!, `post before ack: ${lines.join(' | ')}`);
    }
    assert.deepEqual(at('post', 'a/two.tmp'), [], 'a rejected notice is not posted');
    assert.ok(lines.some((l) => l === 'ack a/two.tmp'), 'the rejected one acked too');
    await waitFor('queue empty', async () => (await v.mgmt.queues(v.vhost)).every((q) => q.messages === 0), 10_000);
  } finally {
    ctl.abort();
    await run.catch(() => undefined);
    await out.close();
  }
});

test("a poll announces what its plugin's poll returns instead of listing pollUrl", { timeout: 60_000 }, async () => {
  const out = await collector(v.url, 'xpoll');
  const ctl = new AbortController();
  const run = runInstance({ component: 'poll', config: 'api', instance: 1, foreground: false, env: home.env, signal: ctl.signal });
  try {
    await waitFor('two notices posted', () => out.got.length >= 2, 30_000);
    assert.deepEqual(out.got.map((n) => `${n.baseUrl}${n.relPath}`).sort(), ['https://api.example.com/cat/item1.json', 'https://api.example.com/cat/item2.json']);
  } finally {
    ctl.abort();
    await run.catch(() => undefined);
    await out.close();
  }
});
