// Integration: `post` of the sample tree against the real RabbitMQ: counts, rejects, checksums, nodupe on re-run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { runInstance } from '../src/instance.js';
import { collector } from './flowkit.js';

import { SAMPLE } from '@sarra/testkit/sample';
let v: TestVhost;
let home: TempHome;
let work: string;

before(async () => {
  v = await withVhost('sarra-post');
  home = await tempHome();
  work = await mkdtemp(join(tmpdir(), 'post-int-'));
  await cp(SAMPLE, join(work, 'src'), { recursive: true });
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  await home.writeConfig('post/p.conf', [
    `post_broker amqp://guest@127.0.0.1:5672/${v.vhost}`,
    'post_exchange xsarra',
    'post_baseUrl http://localhost:8090/',
    `post_baseDir ${join(work, 'src')}`,
    'identity sha512',
    'nodupe_ttl 300',
    'reject .*/reject/.*',
    '',
  ].join('\n'));
});

after(async () => {
  await v?.cleanup();
  await home?.cleanup();
  await rm(work, { recursive: true, force: true });
});

test('post announces the 1,125 sample files with correct sha512, rejects the 10 under reject/, nodupe suppresses a re-run', async () => {
  const c = await collector(v.url, 'xsarra');
  try {
    const code = await runInstance({ component: 'post', config: 'p', instance: 1, foreground: false, env: home.env, paths: [join(work, 'src')] });
    assert.equal(code, 0);
    await c.settle();
    const files = c.got.filter((n) => !n.fileOp);
    assert.equal(files.length, 1125);
    assert.equal(new Set(files.map((n) => n.relPath)).size, 1125, 'each file once');
    assert.ok(files.every((n) => !n.relPath.startsWith('reject/')));
    for (const n of files) {
      assert.equal(n.baseUrl, 'http://localhost:8090/');
      assert.ok(!n.relPath.startsWith('/'));
      const data = await readFile(join(work, 'src', n.relPath));
      assert.equal(n.identity?.method, 'sha512');
      assert.equal(n.identity?.value, createHash('sha512').update(data).digest('base64'), n.relPath);
      assert.equal(n.size, data.length);
    }
    const metrics = JSON.parse(await readFile(join(home.cacheDir, 'metrics', 'post_p_01.json'), 'utf8'));
    assert.equal(metrics.totals.rejectedByReason['404 no match'], 10);

    c.got.length = 0;
    const again = await runInstance({ component: 'post', config: 'p', instance: 1, foreground: false, env: home.env, paths: [join(work, 'src')] });
    assert.equal(again, 0);
    await c.settle();
    assert.equal(c.got.length, 0, 'nothing new announced on the re-run');
  } finally {
    await c.close();
  }
});

test('post of a missing path exits non-zero', async () => {
  const code = await runInstance({ component: 'post', config: 'p', instance: 2, foreground: false, env: home.env, paths: [join(work, 'nope')] });
  assert.notEqual(code, 0);
});
