// sr status --json counts come from the running instances' metrics: post 3 files, a subscriber downloads them.
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { runCli, waitFor } from '@sarra/testkit/child';

let vh: TestVhost;
let h: TempHome;

before(async () => {
  vh = await withVhost('sr-status');
  h = await tempHome();
});

after(async () => {
  await runCli(['stop'], h.env).catch(() => undefined);
  if (!process.env.KEEP) await h.cleanup();
  await vh.cleanup();
});

interface Rec { state: string; received: number; accepted: number; transferredFiles: number; transferredBytes: number; posted: number; running: number }

test('received, accepted and transferred counts of a running subscriber reach sr status --json', async () => {
  const broker = vh.url.replace('guest:guest@', 'guest@');
  const src = join(h.home, 'src');
  await mkdir(join(src, 'obs'), { recursive: true });
  for (const n of ['a', 'b', 'c']) await writeFile(join(src, 'obs', `${n}.txt`), `file ${n}\n`);
  await h.writeConfig('credentials.conf', `${vh.url}\n`);
  await h.writeConfig('post/p.conf', [`post_broker ${broker}`, 'post_exchange xstat', 'post_topicPrefix v03', 'post_baseUrl file:/',
    `post_baseDir /`, 'identity sha512', ''].join('\n'));
  // file: notices are read only below baseDir
  await h.writeConfig('subscribe/s.conf', [`broker ${broker}`, 'exchange xstat', 'topicPrefix v03', `directory ${h.home}/dst`, `baseDir ${src}`,
    'mirror off', 'accept .*', ''].join('\n'));
  assert.equal((await runCli(['declare'], h.env)).code, 0);
  assert.equal((await runCli(['start', 'subscribe/s'], h.env)).code, 0);
  const posted = await runCli(['post', '-c', 'post/p', join(src, 'obs')], h.env);
  assert.equal(posted.code, 0, posted.stderr);
  // the post also announces the directory (mkdir): count the files
  await waitFor(async () => (await readdir(join(h.home, 'dst')).catch(() => [])).filter((n) => n.endsWith('.txt')).length === 3,
    { what: '3 files downloaded', timeoutMs: 30_000 });
  const rec = await waitFor(async () => {
    const r = await runCli(['status', '--json', 'subscribe/s'], h.env);
    const s = (JSON.parse(r.stdout) as Rec[])[0]!;
    return s.transferredFiles >= 3 ? s : undefined;
  }, { what: 'metrics showing 3 transfers', timeoutMs: 30_000, intervalMs: 1000 });
  // 3 files + the directory announcement
  assert.ok(rec.received >= 3 && rec.received <= 4, `received ${rec.received}`);
  assert.equal(rec.accepted, rec.received);
  assert.equal(rec.transferredFiles, 3);
  assert.equal(rec.transferredBytes, 3 * 'file a\n'.length);
  assert.equal(rec.running, 1);
  assert.equal(rec.state, 'run');
  // the one-shot post has no daemon: its line shows what its `sr post` run announced (3 files + the directory)
  const p = (JSON.parse((await runCli(['status', '--json', 'post/p'], h.env)).stdout) as Rec[])[0]!;
  assert.equal(p.posted, 4, `post/p posted ${p.posted}`);
  assert.equal(p.running, 0);
});
