// mkdirp: makes missing parents, and a failure keeps its real errno (EROFS on a read-only file system, not ENOENT).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { mkdirp } from '@sarra/common';

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'sarra-mkdirp-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

test('makes the directory and its missing parents; an existing one is fine', async () => {
  const d = join(dir, 'a', 'b', 'c');
  await mkdirp(d, 0o750);
  assert.ok((await stat(d)).isDirectory());
  assert.equal((await stat(join(dir, 'a'))).mode & 0o777, 0o750 & ~process.umask());
  await mkdirp(d);
});

test('a file on the way is ENOTDIR or EEXIST, as mkdir says', async () => {
  await writeFile(join(dir, 'file'), 'x');
  await assert.rejects(mkdirp(join(dir, 'file', 'sub')), (e: NodeJS.ErrnoException) => e.code === 'ENOTDIR' || e.code === 'EEXIST');
});

test('a read-only file system is EROFS naming the first directory it could not make (recursive mkdir says ENOENT)', async () => {
  const ro = join(dir, 'ro');
  await mkdir(ro);
  // CI runs as root (tools/services.sh installs as root): a read-only tmpfs is the honest way to get EROFS
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro]);
  try {
    for (const target of [join(ro, 'data'), join(ro, 'data', 'x', 'y')]) {
      await assert.rejects(mkdirp(target), (e: NodeJS.ErrnoException) => {
        assert.equal(e.code, 'EROFS');
        assert.match(e.message, new RegExp(`EROFS: read-only file system, mkdir '${join(ro, 'data')}'`));
        return true;
      });
    }
  } finally {
    execFileSync('umount', [ro]);
  }
});
