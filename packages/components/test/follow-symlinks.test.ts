// follow_symlinks on the posting side: post and watch announce a link and what it leads to (a directory walked
// through the link, a file at its real path); off, links are announced and never followed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@sarra/common';
import type { Notice } from '@sarra/message';
import { FileGatherer } from '../src/producers/file-gatherer.js';
import { Watcher } from '../src/producers/watcher.js';

/** tree/: f.txt, real/inner.txt, linkdir -> real, linkfile -> ../outside/o.txt, loop -> . ; outside/o.txt */
async function tree(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'follow-'));
  await mkdir(join(d, 'tree', 'real'), { recursive: true });
  await mkdir(join(d, 'outside'));
  await writeFile(join(d, 'tree', 'f.txt'), 'f');
  await writeFile(join(d, 'tree', 'real', 'inner.txt'), 'inner');
  await writeFile(join(d, 'outside', 'o.txt'), 'o');
  await symlink('real', join(d, 'tree', 'linkdir'));
  await symlink('../outside/o.txt', join(d, 'tree', 'linkfile'));
  await symlink('.', join(d, 'tree', 'loop'));
  return d;
}

const kinds = (ns: Notice[]): string[] => ns.map((n) => `${n.fileOp ? Object.keys(n.fileOp).sort().join('+') : 'file'} ${n.relPath}`).sort();

async function post(d: string, followSymlinks: boolean): Promise<Notice[]> {
  const g = new FileGatherer({ paths: [join(d, 'tree')], baseUrl: 'file:/', baseDir: d, identity: 'sha512', inline: false, inlineByteMax: 0, logger: Logger.silent(), followSymlinks });
  await g.start();
  const out: Notice[] = [];
  const ac = new AbortController();
  while (!g.done()) out.push(...(await g.gather(10, ac.signal)).map((i) => i.notice));
  await g.stop();
  return out;
}

test('post, follow_symlinks off: links are announced as links, never followed', async () => {
  const d = await tree();
  try {
    assert.deepEqual(kinds(await post(d, false)), [
      'directory tree', 'directory tree/real', 'file tree/f.txt', 'file tree/real/inner.txt', 'link tree/linkdir', 'link tree/linkfile', 'link tree/loop',
    ]);
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});

test('post, follow_symlinks on: a linked directory is walked through the link (once), a linked file posted at its real path', async () => {
  const d = await tree();
  try {
    const ns = await post(d, true);
    const k = kinds(ns);
    for (const want of ['link tree/linkdir', 'link tree/linkfile', 'link tree/loop', 'file outside/o.txt', 'file tree/f.txt']) assert.ok(k.includes(want), `${want} in ${k.join(', ')}`);
    // real/ is reached twice (itself and through linkdir): walked once; loop (the tree itself) is not walked again
    const inner = k.filter((x) => x.endsWith('inner.txt'));
    assert.equal(inner.length, 1, inner.join(', '));
    assert.ok(!k.some((x) => x.includes('loop/')), k.join(', '));
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});

test('post, follow_symlinks on: a top path that is a link to a directory is walked through it', async () => {
  const d = await tree();
  try {
    const g = new FileGatherer({ paths: [join(d, 'tree', 'linkdir')], baseUrl: 'file:/', baseDir: d, identity: 'sha512', inline: false, inlineByteMax: 0, logger: Logger.silent(), followSymlinks: true });
    await g.start();
    const ns = (await g.gather(10, new AbortController().signal)).map((i) => i.notice);
    await g.stop();
    assert.deepEqual(kinds(ns), ['file tree/linkdir/inner.txt', 'link tree/linkdir']);
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});

for (const forcePolling of [false, true]) {
  test(`watch (${forcePolling ? 'force_polling' : 'chokidar'}), follow_symlinks on: files under a linked directory are announced through the link`, async () => {
    const d = await tree();
    const w = new Watcher({ paths: [join(d, 'tree')], baseUrl: 'file:/', baseDir: d, identity: 'sha512', inline: false, inlineByteMax: 0,
      logger: Logger.silent(), settleMs: 150, renameWindowMs: 600, forcePolling, pollInterval: 0.1, followSymlinks: true });
    try {
      await w.start();
      await writeFile(join(d, 'tree', 'real', 'new.txt'), 'new');
      await symlink('../outside', join(d, 'tree', 'ext'));
      await new Promise((r) => setTimeout(r, 300));
      await writeFile(join(d, 'outside', 'later.txt'), 'later');
      const all: Notice[] = [];
      const end = Date.now() + 8000;
      const ac = new AbortController();
      while (Date.now() < end && !kinds(all).includes('file tree/ext/later.txt')) all.push(...(await w.gather(100, ac.signal)).map((i) => i.notice));
      const k = kinds(all);
      assert.ok(k.includes('link tree/ext'), k.join(', '));
      assert.ok(k.includes('file tree/ext/later.txt'), k.join(', '));
      assert.ok(k.some((x) => x === 'file tree/real/new.txt' || x === 'file tree/linkdir/new.txt'), k.join(', '));
    } finally {
      await w.stop();
      await rm(d, { recursive: true, force: true });
    }
  });
}

for (const forcePolling of [false, true]) test(`watch (${forcePolling ? 'force_polling' : 'chokidar'}), follow_symlinks off: a link to a directory is only a link`, async () => {
  const d = await tree();
  const w = new Watcher({ paths: [join(d, 'tree')], baseUrl: 'file:/', baseDir: d, identity: 'sha512', inline: false, inlineByteMax: 0,
    logger: Logger.silent(), settleMs: 150, renameWindowMs: 600, forcePolling, pollInterval: 0.1 });
  try {
    await w.start();
    await symlink('../outside', join(d, 'tree', 'ext'));
    await writeFile(join(d, 'outside', 'later.txt'), 'later');
    const all: Notice[] = [];
    const end = Date.now() + 2500;
    const ac = new AbortController();
    while (Date.now() < end) all.push(...(await w.gather(100, ac.signal)).map((i) => i.notice));
    assert.deepEqual(kinds(all), ['link tree/ext']);
  } finally {
    await w.stop();
    await rm(d, { recursive: true, force: true });
  }
});
