// Integration on RabbitMQ: a one-shot post to an exchange that does not exist yet (exchangeDeclare off): the publishes
// are not confirmed and go to the post retry queue. Without retryEmptyBeforeExit the post exits at once (1), the notices
// left queued for a later run; with it, the post keeps retrying and, once the exchange appears, delivers them and exits 0.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
  v = await withVhost('sarra-retry-exit');
  home = await tempHome();
  work = await mkdtemp(join(tmpdir(), 'retry-exit-'));
  for (const n of ['a.txt', 'b.txt', 'c.txt']) await writeFile(join(work, n), `data ${n}\n`);
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  const conf = (x: string, extra: string[]): string[] => [
    `post_broker amqp://guest@127.0.0.1:5672/${v.vhost}`, `post_exchange ${x}`, 'exchangeDeclare off',
    'post_baseUrl http://localhost:8090/', `post_baseDir ${work}`, 'fileEvents -mkdir', ...extra, '',
  ];
  await home.writeConfig('post/gone.conf', conf('xnot_there', []).join('\n'));
  await home.writeConfig('post/wait.conf', conf('xlate', ['retryEmptyBeforeExit on']).join('\n'));
});

after(async () => {
  await v?.cleanup();
  await home?.cleanup();
  await rm(work, { recursive: true, force: true });
});

test('without retryEmptyBeforeExit: exits 1 at once, the notices left in the post retry queue', async () => {
  const t0 = Date.now();
  const code = await runInstance({ component: 'post', config: 'gone', instance: 1, foreground: false, env: home.env, paths: [work] });
  assert.equal(code, 1);
  assert.ok(Date.now() - t0 < 20_000);
});

test('with retryEmptyBeforeExit: keeps retrying until the exchange exists, delivers every notice, exits 0', async () => {
  const running = runInstance({ component: 'post', config: 'wait', instance: 1, foreground: false, env: home.env, paths: [work] });
  let done = false;
  void running.then(() => { done = true; });
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(done, false, 'still running while its notices are unconfirmed');
  const c = await collector(v.url, 'xlate', { creates: true }); // the exchange appears: the post's next retry gets through
  try {
    assert.equal(await running, 0);
    await c.settle();
    assert.deepEqual(c.got.map((n) => n.relPath).sort(), ['a.txt', 'b.txt', 'c.txt']);
  } finally {
    await c.close();
  }
});
