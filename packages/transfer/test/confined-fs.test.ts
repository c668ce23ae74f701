// confined-fs: directories walked from the root's descriptor; symlinks on the way refused or checked; a directory
// swapped for a symlink between the check and the write does not win; link targets resolved on disk.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PathEscapeError } from '@sarra/common';
import { checkLinkTarget, closeCachedDirs, openDirUnder, openFileUnder, openParentUnder, realPathsIn } from '../src/confined-fs.js';

let dir: string, root: string, outside: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'confined-'));
  root = join(dir, 'root');
  outside = join(dir, 'outside');
  await mkdir(join(root, 'a', 'b'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(outside, 'secret'), 'secret\n');
  await writeFile(join(root, 'a', 'inside.txt'), 'inside\n');
  await symlink(outside, join(root, 'esc'));
  await symlink('a', join(root, 'alias'));
  await symlink(join(outside, 'secret'), join(root, 'a', 'leak'));
  await symlink('inside.txt', join(root, 'a', 'ok-link'));
});
after(async () => { await rm(dir, { recursive: true, force: true }); });

test('a directory under the root opens, and missing ones are made on the way', async () => {
  const d = await openDirUnder(root, join(root, 'a', 'new', 'deeper'), { create: true });
  try {
    assert.equal(d.real, join(root, 'a', 'new', 'deeper'));
    await writeFile(d.at('f'), 'x');
  } finally { await d.close(); }
  assert.equal(await readFile(join(root, 'a', 'new', 'deeper', 'f'), 'utf8'), 'x');
});

test('a symlink on the way is refused with follow off, made or not', async () => {
  await assert.rejects(openDirUnder(root, join(root, 'esc'), {}), PathEscapeError);
  await assert.rejects(openDirUnder(root, join(root, 'esc', 'x'), { create: true }), PathEscapeError);
  await assert.rejects(openDirUnder(root, join(root, 'alias', 'b'), {}), /alias is a symlink/);
  assert.deepEqual(await readdir(outside), ['secret'], 'nothing made behind the link');
});

test('follow on: a symlink inside the tree is followed, one leading out is refused', async () => {
  const d = await openDirUnder(root, join(root, 'alias', 'b'), { follow: true });
  assert.equal(d.real, join(root, 'a', 'b'));
  await d.close();
  await assert.rejects(openDirUnder(root, join(root, 'esc'), { follow: true }), /leads outside/);
});

test('a path outside the root by text is refused before anything is touched', async () => {
  await assert.rejects(openDirUnder(root, join(dir, 'outside')), PathEscapeError);
  await assert.rejects(openDirUnder(root, `${root}/../outside`), PathEscapeError);
});

test('a directory swapped for a symlink after it was opened: the write lands in the real directory, not behind the link', async () => {
  await mkdir(join(root, 'race'), { recursive: true });
  const { dir: d, name } = await openParentUnder(root, join(root, 'race', 'file.txt'), { create: true });
  try {
    // the attacker moves the checked directory away and puts a link to the outside in its place
    await rename(join(root, 'race'), join(root, 'race-moved'));
    await symlink(outside, join(root, 'race'));
    await writeFile(d.at(`${name}.tmp`), 'data\n', { flag: 'wx' });
    await rename(d.at(`${name}.tmp`), d.at(name));
  } finally { await d.close(); }
  assert.deepEqual(await readdir(outside), ['secret'], 'nothing written outside');
  assert.equal(await readFile(join(root, 'race-moved', 'file.txt'), 'utf8'), 'data\n');
});

test('openFileUnder: a regular file reads; a symlink out of the root is refused, one inside is followed only with follow', async () => {
  const fh = await openFileUnder(root, join(root, 'a', 'inside.txt'));
  assert.equal(await fh.readFile('utf8'), 'inside\n');
  await fh.close();
  await assert.rejects(openFileUnder(root, join(root, 'a', 'leak')), /symlink/);
  await assert.rejects(openFileUnder(root, join(root, 'a', 'leak'), { follow: true }), /leads outside/);
  await assert.rejects(openFileUnder(root, join(root, 'esc', 'secret'), { follow: true }), /leads outside/);
  await assert.rejects(openFileUnder(root, join(root, 'a', 'ok-link')), /symlink/);
  const ok = await openFileUnder(root, join(root, 'a', 'ok-link'), { follow: true });
  assert.equal(await ok.readFile('utf8'), 'inside\n');
  await ok.close();
});

test('link targets are resolved on disk: the dot/up chain, loops over the tree and escapes are refused', async () => {
  const d = await openDirUnder(root, join(root, 'a'));
  try {
    await checkLinkTarget(d, 'fine', 'inside.txt');
    await checkLinkTarget(d, 'sibling', '../esc-not-there/x');
    await checkLinkTarget(d, 'down', 'b');
    await assert.rejects(checkLinkTarget(d, 'dot', '.'), /own directory or one above/);
    await assert.rejects(checkLinkTarget(d, 'up', '..'), /own directory or one above/);
    await assert.rejects(checkLinkTarget(d, 'out', '../..'), /outside/);
    await assert.rejects(checkLinkTarget(d, 'abs', '/etc/passwd'), /outside/);
    // through a link already there: alias -> a, so alias/../.. is above the root, though its text says root/..
    await assert.rejects(checkLinkTarget(d, 'via', '../alias/../..'), /outside/);
    await assert.rejects(checkLinkTarget(d, 'via2', '../esc/secret'), /outside/);
  } finally { await d.close(); }
  const r = await openDirUnder(root, root);
  try {
    await symlink('.', join(root, 'dot'));
    await assert.rejects(checkLinkTarget(r, 'up', 'dot/..'), /outside/, 'up -> dot/.. with dot -> . leads above the root');
  } finally { await r.close(); await rm(join(root, 'dot')); }
  assert.ok((await lstat(join(root, 'a'))).isDirectory());
});

test('error messages name real paths, not descriptors', async () => {
  const d = await openDirUnder(root, join(root, 'a'));
  try {
    const e = await readFile(d.at('missing')).catch((x: unknown) => x as Error);
    assert.match(realPathsIn((e as Error).message), new RegExp(`${join(root, 'a', 'missing')}`));
  } finally { await d.close(); }
});

test('a read-only file system is reported as EROFS naming the directory (not ENOENT)', async () => {
  const { execFileSync } = await import('node:child_process');
  const ro = join(dir, 'ro');
  await mkdir(ro);
  // CI runs as root (tools/services.sh installs as root): a read-only tmpfs is the honest way to get EROFS
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro]);
  try {
    await assert.rejects(openDirUnder(ro, join(ro, 'a', 'b'), { create: true }), (e: NodeJS.ErrnoException) => {
      assert.equal(e.code, 'EROFS');
      assert.match(e.message, new RegExp(`EROFS.*mkdir '${join(ro, 'a')}'`));
      return true;
    });
  } finally {
    closeCachedDirs();
    await new Promise((r) => setTimeout(r, 50)); // the descriptors close asynchronously
    execFileSync('umount', [ro]);
  }
});

test('a FIFO (or any non-regular file) is refused at once, not waited on', async () => {
  const { execFileSync } = await import('node:child_process');
  execFileSync('mkfifo', [join(root, 'a', 'fifo')]);
  await assert.rejects(openFileUnder(root, join(root, 'a', 'fifo')), /not a regular file/);
  await assert.rejects(openFileUnder(root, join(root, 'a', 'b')), /not a regular file|EISDIR/);
});
