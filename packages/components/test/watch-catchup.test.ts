// Watch producer on real directories: a whole tree copied in at once (files written into directories created
// just before them) is announced exactly once per file, and a restarted watch catches up on files written while stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, mkdir, rm, writeFile, appendFile, utimes, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@sarra/common';
import type { Notice } from '@sarra/message';
import { SAMPLE } from '@sarra/testkit/sample';
import { Watcher } from '../src/producers/watcher.js';

/** Gathers until `until(all)` holds or `ms` pass, then `extraMs` more to catch duplicates. */
async function collect(w: Watcher, until: (ns: Notice[]) => boolean, ms: number, extraMs = 0): Promise<Notice[]> {
  const ac = new AbortController();
  const all: Notice[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end && !until(all)) all.push(...(await w.gather(500, ac.signal)).map((i) => i.notice));
  const stop = Date.now() + extraMs;
  while (Date.now() < stop) all.push(...(await w.gather(500, ac.signal)).map((i) => i.notice));
  return all;
}

function watcher(d: string, stateDir?: string): Watcher {
  return new Watcher({ paths: [d], baseUrl: 'file:/', baseDir: d, identity: 'sha512', inline: false, inlineByteMax: 0,
    logger: Logger.silent(), settleMs: 200, renameWindowMs: 700, stateDir });
}

for (const round of [1, 2, 3]) {
  test(`watch (chokidar): the 1,125-file sample tree copied in at once is announced exactly once per file (round ${round})`, async () => {
    const d = await mkdtemp(join(tmpdir(), 'watch-tree-'));
    const w = watcher(d);
    try {
      await w.start();
      await cp(join(SAMPLE, '20200105'), join(d, '20200105'), { recursive: true });
      const ns = await collect(w, (all) => all.filter((n) => !n.fileOp).length >= 1125, 60_000, 1500);
      const files = ns.filter((n) => !n.fileOp).map((n) => n.relPath);
      assert.equal(files.length, 1125, 'file notices');
      assert.equal(new Set(files).size, 1125, 'each file once');
      const dirs = ns.filter((n) => n.fileOp?.directory !== undefined).map((n) => n.relPath);
      assert.equal(new Set(dirs).size, dirs.length, 'each directory once');
      assert.ok(dirs.includes('20200105/WXO-DD'));
    } finally {
      await w.stop();
      await rm(d, { recursive: true, force: true });
    }
  });
}

test('watch (chokidar): files already in a directory when its addDir arrives are announced once, a late add is dropped', async () => {
  // The race, made deterministic: chokidar ignores dot-names, so it never reports the files under `.race/`;
  // feeding the addDir by hand stands for chokidar noticing the directory after the files were written.
  const d = await mkdtemp(join(tmpdir(), 'watch-race-'));
  const w = watcher(d);
  try {
    await w.start();
    await mkdir(join(d, '.race/sub/deeper'), { recursive: true });
    await writeFile(join(d, '.race/sub/a.txt'), 'a');
    await writeFile(join(d, '.race/sub/deeper/b.txt'), 'b');
    await writeFile(join(d, '.race/sub/c.tmp'), 'inflight');
    w.onEvent('addDir', join(d, '.race/sub'));
    w.onEvent('addDir', join(d, '.race/sub')); // reported twice (scan of the parent and chokidar): one notice
    let ns = await collect(w, (all) => all.filter((n) => !n.fileOp).length >= 2, 8000, 600);
    const show = (n: Notice) => `${n.fileOp ? 'dir' : 'file'} ${n.relPath}`;
    assert.deepEqual(ns.map(show).sort(), ['dir .race/sub', 'dir .race/sub/deeper', 'file .race/sub/a.txt', 'file .race/sub/deeper/b.txt']);
    // chokidar's own add arriving late for a file the scan announced, unchanged: not announced again
    w.onEvent('add', join(d, '.race/sub/a.txt'));
    ns = await collect(w, () => false, 800);
    assert.deepEqual(ns.map(show), []);
    // but a real change after that is
    await appendFile(join(d, '.race/sub/a.txt'), 'more');
    w.onEvent('change', join(d, '.race/sub/a.txt'));
    ns = await collect(w, (all) => all.length >= 1, 4000);
    assert.deepEqual(ns.map(show), ['file .race/sub/a.txt']);
  } finally {
    await w.stop();
    await rm(d, { recursive: true, force: true });
  }
});

test('watch (chokidar): a file renamed into a new directory after its first listing is still announced (second listing)', async () => {
  // As a subscriber does: mkdir -p, write x.tmp, rename to x. When the rename lands after our listing of the new
  // directory but before chokidar watches it, nobody reports it; `.race/` (never watched) makes that window certain.
  const d = await mkdtemp(join(tmpdir(), 'watch-rescan-'));
  const w = watcher(d);
  try {
    await w.start();
    await mkdir(join(d, '.race/new'), { recursive: true });
    w.onEvent('addDir', join(d, '.race/new'));
    let ns = await collect(w, (all) => all.length >= 1, 4000, 300);
    assert.deepEqual(ns.map((n) => n.relPath), ['.race/new']);
    await writeFile(join(d, '.race/new/x.tmp'), 'late');
    await rename(join(d, '.race/new/x.tmp'), join(d, '.race/new/x'));
    ns = await collect(w, (all) => all.length >= 1, 8000);
    assert.deepEqual(ns.map((n) => `${n.relPath} ${n.size}`), ['.race/new/x 4']);
    ns = await collect(w, () => false, 6000, 300);
    assert.deepEqual(ns.map((n) => n.relPath), [], 'the later listings announce nothing twice');
  } finally {
    await w.stop();
    await rm(d, { recursive: true, force: true });
  }
});

test('watch (chokidar): a restarted watch announces the files written or changed while it was stopped, and only those', async () => {
  const d = await mkdtemp(join(tmpdir(), 'watch-catchup-'));
  const state = await mkdtemp(join(tmpdir(), 'watch-state-'));
  try {
    await mkdir(join(d, 'sub'));
    await writeFile(join(d, 'old.txt'), 'before the first start');
    await writeFile(join(d, 'sub/kept.txt'), 'unchanged');
    // first run ever: nothing saved yet, so the files already there are not announced (no post_on_start)
    let w = watcher(d, state);
    await w.start();
    await writeFile(join(d, 'live.txt'), 'while running');
    let ns = await collect(w, (all) => all.length >= 1, 8000, 500);
    assert.deepEqual(ns.map((n) => n.relPath), ['live.txt']);
    await w.stop();

    // while stopped: a new file, a new file in a new directory, a changed file
    await writeFile(join(d, 'new.txt'), 'written while stopped');
    await mkdir(join(d, 'newdir'));
    await writeFile(join(d, 'newdir/deep.txt'), 'also while stopped');
    await appendFile(join(d, 'old.txt'), ', and changed while stopped');
    const t = new Date(Date.now() + 5000);
    await utimes(join(d, 'old.txt'), t, t); // a distinct mtime even on a coarse-clock file system

    w = watcher(d, state);
    await w.start();
    try {
      ns = await collect(w, (all) => all.filter((n) => !n.fileOp).length >= 3, 8000, 800);
      const files = ns.filter((n) => !n.fileOp).map((n) => n.relPath).sort();
      assert.deepEqual(files, ['new.txt', 'newdir/deep.txt', 'old.txt']);
      assert.equal(w.metrics().caughtUp, 3);
      assert.equal(ns.find((n) => n.relPath === 'old.txt')!.size, 'before the first start, and changed while stopped'.length);
    } finally {
      await w.stop();
    }

    // a third start with nothing changed announces nothing
    w = watcher(d, state);
    await w.start();
    try {
      ns = await collect(w, () => false, 1200);
      assert.deepEqual(ns.map((n) => n.relPath), []);
    } finally {
      await w.stop();
    }
  } finally {
    await rm(d, { recursive: true, force: true });
    await rm(state, { recursive: true, force: true });
  }
});
