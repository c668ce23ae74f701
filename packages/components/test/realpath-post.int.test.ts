// realpathPost (sr3: paths resolved to their canonical ones, no symlink indirection; links traversed) for post and
// watch, on the real broker: a post of a linked directory announces its files where they really are (without the
// option, the link only); a watch of a linked directory announces a new file at its real path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import type { Notice } from '@sarra/message';
import { runInstance } from '../src/instance.js';
import { collector } from './flowkit.js';

let v: TestVhost;
let home: TempHome;
let work: string;

/** work/: data/2026/a.txt, data/2026/by-name -> ../names (names/b.txt), current -> data/2026 */
before(async () => {
  v = await withVhost('sarra-realpath');
  home = await tempHome();
  work = await mkdtemp(join(tmpdir(), 'realpath-post-'));
  await mkdir(join(work, 'data', '2026'), { recursive: true });
  await mkdir(join(work, 'data', 'names'));
  await writeFile(join(work, 'data', '2026', 'a.txt'), 'a');
  await writeFile(join(work, 'data', 'names', 'b.txt'), 'b');
  await symlink('../names', join(work, 'data', '2026', 'by-name'));
  await symlink('data/2026', join(work, 'current'));
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  const conf = (x: string, extra: string[]): string => [
    `post_broker amqp://guest@127.0.0.1:5672/${v.vhost}`, `post_exchange ${x}`, 'post_baseUrl http://localhost:8090/',
    `post_baseDir ${work}`, 'fileEvents -mkdir', ...extra, '',
  ].join('\n');
  await home.writeConfig('post/real.conf', conf('xreal', ['realpathPost on']));
  await home.writeConfig('post/given.conf', conf('xgiven', []));
  await home.writeConfig('watch/real.conf', conf('xwatch', ['realpathPost on', 'sleep 1']));
});

after(async () => {
  await v?.cleanup();
  await home?.cleanup();
  await rm(work, { recursive: true, force: true });
});

const kinds = (ns: Notice[]): string[] => ns.map((n) => `${n.fileOp ? Object.keys(n.fileOp).join('+') : 'file'} ${n.relPath}`).sort();

async function postOf(config: string, x: string): Promise<Notice[]> {
  const c = await collector(v.url, x);
  try {
    assert.equal(await runInstance({ component: 'post', config, instance: 1, foreground: false, env: home.env, paths: [join(work, 'current')] }), 0);
    await c.settle(500);
    return c.got;
  } finally {
    await c.close();
  }
}

test('post without realpathPost (nor follow_symlinks): the given path is a link, announced as such, not followed', async () => {
  assert.deepEqual(kinds(await postOf('given', 'xgiven')), ['link current']);
});

test('post with realpathPost: files at their real paths, and the linked directory traversed where it is', async () => {
  assert.deepEqual(kinds(await postOf('real', 'xreal')), ['file data/2026/a.txt', 'file data/names/b.txt', 'link data/2026/by-name']);
});

test('watch with realpathPost: a new file under a linked directory is announced at its real path', async () => {
  const c = await collector(v.url, 'xwatch');
  const stop = new AbortController();
  const running = runInstance({ component: 'watch', config: 'real', instance: 1, foreground: false, env: home.env, signal: stop.signal, paths: [join(work, 'current')] });
  try {
    await new Promise((r) => setTimeout(r, 1500));
    await writeFile(join(work, 'current', 'new.txt'), 'new');
    const end = Date.now() + 20_000;
    while (Date.now() < end && !c.got.some((n) => n.relPath.endsWith('new.txt'))) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(c.got.filter((n) => n.relPath.endsWith('new.txt')).map((n) => n.relPath), ['data/2026/new.txt']);
  } finally {
    stop.abort();
    assert.equal(await running, 0);
    await c.close();
  }
});
