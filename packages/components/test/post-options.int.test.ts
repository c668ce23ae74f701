// Integration on RabbitMQ: a post with `header`, `post_topic`, `set <callback>.<option>` and `logMessageDump`:
// the notices arrive with the header field and the callback's set value, on the fixed topic; the log shows each whole notice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { runInstance } from '../src/instance.js';
import { collector } from './flowkit.js';

let v: TestVhost;
let home: TempHome;
let work: string;

before(async () => {
  v = await withVhost('sarra-post-options');
  home = await tempHome();
  work = await mkdtemp(join(tmpdir(), 'post-opts-'));
  for (const n of ['a.txt', 'b.txt']) await writeFile(join(work, n), `data ${n}\n`);
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  await home.writeConfig('plugins/tagger.mjs', [
    "export const options = { tag_value: { kind: 'str', default: 'none' } };",
    'export default class Tagger {',
    "  constructor(o) { this.name = 'tagger'; this.o = o; }",
    '  afterAccept(wl) { for (const it of wl.incoming) it.notice.tag = this.o.pluginOptions.tag_value; }',
    '}', '',
  ].join('\n'));
  await home.writeConfig('post/p.conf', [
    `post_broker amqp://guest@127.0.0.1:5672/${v.vhost}`, 'post_exchange xopts', 'post_baseUrl http://localhost:8090/',
    `post_baseDir ${work}`, 'header toto=pig', 'post_topic v03.fixed.topic', 'callback tagger', 'set tagger.tag_value blue',
    'logMessageDump on', '',
  ].join('\n'));
});

after(async () => {
  await v?.cleanup();
  await home?.cleanup();
  await rm(work, { recursive: true, force: true });
});

test('header, post_topic and set reach the posted notices; logMessageDump logs them whole', async () => {
  const c = await collector(v.url, 'xopts');
  try {
    const code = await runInstance({ component: 'post', config: 'p', instance: 1, foreground: false, env: home.env, paths: [work] });
    assert.equal(code, 0);
    await c.settle();
    const files = c.decoded.filter((d) => !d.notice.fileOp);
    assert.deepEqual(files.map((d) => d.notice.relPath).sort(), ['a.txt', 'b.txt']);
    for (const d of files) {
      assert.equal(d.topic, 'v03.fixed.topic');
      assert.equal(d.notice.toto, 'pig');
      assert.equal(d.notice.tag, 'blue');
    }
  } finally {
    await c.close();
  }
  const log = await readFile(join(home.cacheDir, 'log', 'post_p_01.log'), 'utf8');
  const dumps = log.split('\n').filter((l) => / message: \{/.test(l)).map((l) => JSON.parse(l.slice(l.indexOf(' message: ') + 10)) as Record<string, unknown>);
  assert.ok(dumps.some((m) => m.relPath === 'a.txt' && m.tag === 'blue'), 'the notice as it stands after the callback');
  assert.match(log, /published: xopts v03\.fixed\.topic a\.txt/);
});
