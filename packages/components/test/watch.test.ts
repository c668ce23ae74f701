// Unit tests of the watch producer on a temp directory: every file event, inflight names, post_on_start, force_polling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, rename, rm, rmdir, symlink, unlink, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@sarra/common';
import type { Notice } from '@sarra/message';
import { Watcher } from '../src/producers/watcher.js';
import { isInflightName } from '../src/producers/watch-options.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Gathers until `until(all)` holds or `ms` pass. */
async function collect(w: Watcher, until: (ns: Notice[]) => boolean, ms = 8000): Promise<Notice[]> {
  const ac = new AbortController();
  const all: Notice[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end && !until(all)) all.push(...(await w.gather(100, ac.signal)).map((i) => i.notice));
  return all;
}

function kinds(ns: Notice[]): string[] {
  return ns.map((n) => `${n.fileOp ? Object.keys(n.fileOp).sort().join('+') : 'file'} ${n.relPath}`);
}

for (const forcePolling of [false, true]) {
  test(`watch (${forcePolling ? 'force_polling' : 'chokidar'}): create, modify, link, rename, remove, mkdir, rmdir`, async () => {
    const d = await mkdtemp(join(tmpdir(), 'watch-'));
    const w = new Watcher({ paths: [d], baseUrl: 'file:/', baseDir: d, identity: 'sha512', inline: false, inlineByteMax: 0,
      logger: Logger.silent(), settleMs: 150, renameWindowMs: 600, forcePolling, pollInterval: 0.1 });
    try {
      await w.start();
      await mkdir(join(d, 'sub'));
      await writeFile(join(d, 'sub/a.txt'), 'one');
      await writeFile(join(d, 'sub/b.txt.tmp'), 'inflight');
      await writeFile(join(d, '.hidden'), 'x');
      let ns = await collect(w, (all) => all.length >= 2);
      assert.deepEqual(kinds(ns).sort(), ['directory sub', 'file sub/a.txt']);
      const a = ns.find((n) => n.relPath === 'sub/a.txt')!;
      assert.equal(a.identity!.value, createHash('sha512').update('one').digest('base64'));

      await appendFile(join(d, 'sub/a.txt'), 'two');
      ns = await collect(w, (all) => all.length >= 1);
      assert.deepEqual(kinds(ns), ['file sub/a.txt']);
      assert.equal(ns[0]!.size, 6);

      await symlink('a.txt', join(d, 'sub/l'));
      ns = await collect(w, (all) => all.length >= 1);
      assert.deepEqual(kinds(ns), ['link sub/l']);
      assert.equal(ns[0]!.fileOp!.link, 'a.txt');

      await rename(join(d, 'sub/a.txt'), join(d, 'sub/c.txt'));
      ns = await collect(w, (all) => all.length >= 1);
      assert.deepEqual(kinds(ns), ['rename sub/c.txt']);
      assert.equal(ns[0]!.fileOp!.rename, 'sub/a.txt');
      assert.ok(ns[0]!.identity, 'a rename carries the identity of the file');

      await unlink(join(d, 'sub/c.txt'));
      await unlink(join(d, 'sub/l'));
      await unlink(join(d, 'sub/b.txt.tmp'));
      ns = await collect(w, (all) => all.length >= 2);
      assert.deepEqual(kinds(ns).sort(), ['remove sub/c.txt', 'remove sub/l']);

      await rmdir(join(d, 'sub'));
      ns = await collect(w, (all) => all.length >= 1);
      assert.deepEqual(kinds(ns), ['directory+remove sub']);
      await sleep(300);
      assert.deepEqual(await collect(w, () => false, 800), [], 'nothing else');
    } finally {
      await w.stop();
      await rm(d, { recursive: true, force: true });
    }
  });
}

test('watch: post_on_start announces existing files; fileEvents limits what is announced; fileAgeMin waits', async () => {
  const d = await mkdtemp(join(tmpdir(), 'watch-'));
  await mkdir(join(d, 'x'));
  await writeFile(join(d, 'x/old.txt'), 'old');
  const w = new Watcher({ paths: [d], baseUrl: 'file:/', baseDir: d, identity: 'md5', inline: false, inlineByteMax: 0,
    logger: Logger.silent(), settleMs: 100, postOnStart: true, fileEvents: new Set(['create']), fileAgeMin: 1 });
  try {
    await w.start();
    let ns = await collect(w, (all) => all.length >= 1, 3000);
    assert.deepEqual(kinds(ns), ['file x/old.txt'], 'no mkdir event announced (fileEvents create only)');
    await writeFile(join(d, 'x/new.txt'), 'new');
    const t0 = Date.now();
    ns = await collect(w, (all) => all.length >= 1, 5000);
    assert.deepEqual(kinds(ns), ['file x/new.txt']);
    assert.ok(Date.now() - t0 >= 900, 'not announced before fileAgeMin');
    await unlink(join(d, 'x/new.txt'));
    assert.deepEqual(await collect(w, () => false, 2500), [], 'delete not in fileEvents');
  } finally {
    await w.stop();
    await rm(d, { recursive: true, force: true });
  }
});

test('inflight names', () => {
  assert.ok(isInflightName('a.tmp'));
  assert.ok(isInflightName('.a'));
  assert.ok(!isInflightName('a.txt'));
});
