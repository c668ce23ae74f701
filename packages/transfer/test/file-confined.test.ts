// Unit tests of the file: driver's confined view (a sender's file: sendTo): every write goes through confined-fs,
// so a symlink on the way or at a written name leads nowhere outside, also while one is being swapped in.
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, beforeEach, describe, it } from 'node:test';
import { PathEscapeError, PermanentError, TransientError } from '@sarra/common';
import { confinedTransfer, openTransfer } from '@sarra/transfer';
import type { Transfer } from '@sarra/transfer';

const escape = (e: unknown): boolean => e instanceof PathEscapeError && e.reportCode === 422;
const body = (s: string): Readable => Readable.from([Buffer.from(s)]);

describe('file: confined writes', () => {
  let d: string;
  let root: string;
  let outside: string;
  const dirs: string[] = [];
  beforeEach(async () => {
    d = await realpath(await mkdtemp(join(tmpdir(), 'file-confined-')));
    dirs.push(d);
    root = join(d, 'root');
    outside = join(d, 'outside');
    await mkdir(join(root, 'a'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(outside, 'victim'), 'must survive');
    await symlink(outside, join(root, 'esc'));
    await writeFile(join(root, 'keep.txt'), 'keep');
  });
  after(async () => { for (const x of dirs) await rm(x, { recursive: true, force: true }); });

  async function view(follow = false): Promise<Transfer> {
    return confinedTransfer(await openTransfer(`file:${root}/`), { root: `${root}/`, follow });
  }
  async function outsideUntouched(): Promise<void> {
    assert.deepEqual(await readdir(outside), ['victim']);
    assert.equal(await readFile(join(outside, 'victim'), 'utf8'), 'must survive');
  }

  it('writes, renames, links and removes inside the root as before', async () => {
    const t = await view();
    await t.mkdirp(join(root, 'a/b/c'));
    await t.putStream(join(root, 'a/b/c/f.tmp'), body('data'));
    await t.rename(join(root, 'a/b/c/f.tmp'), join(root, 'a/b/c/f'));
    assert.equal(await readFile(join(root, 'a/b/c/f'), 'utf8'), 'data');
    assert.equal((await t.stat(join(root, 'a/b/c/f')))?.size, 4);
    assert.deepEqual((await t.list(join(root, 'a/b/c'))).map((e) => e.name), ['f']);
    await t.symlink('f', join(root, 'a/b/c/l'));
    assert.equal(await readlink(join(root, 'a/b/c/l')), 'f');
    await t.remove(join(root, 'a/b/c/l'));
    await t.remove(join(root, 'a/b/c/l')); // gone: fine
    await t.remove(join(root, 'nodir/x')); // directory gone: fine
    await t.rmdir(join(root, 'a/nothing'));
    await assert.rejects(t.putStream(join(root, 'nodir/f'), body('x')), (e: unknown) => e instanceof TransientError && e.code === 'ERR_NO_DIR');
  });

  it('a symlinked directory on the way: write, mkdir, remove, rename in and out, link and stat are refused', async () => {
    const t = await view();
    await assert.rejects(t.putStream(join(root, 'esc/x'), body('pwned')), escape);
    await assert.rejects(t.mkdirp(join(root, 'esc/sub')), escape);
    await assert.rejects(t.remove(join(root, 'esc/victim')), escape);
    await assert.rejects(t.rmdir(join(root, 'esc/sub')), escape);
    await assert.rejects(t.rename(join(root, 'keep.txt'), join(root, 'esc/moved')), escape);
    await assert.rejects(t.rename(join(root, 'esc/victim'), join(root, 'stolen')), escape);
    await assert.rejects(t.symlink('x', join(root, 'esc/l')), escape);
    await assert.rejects(t.stat(join(root, 'esc/victim')), escape);
    await outsideUntouched();
    assert.equal(await readFile(join(root, 'keep.txt'), 'utf8'), 'keep');
    await assert.rejects(lstat(join(root, 'stolen')));
  });

  it('a symlink at a written name is refused (inflight None); renamed over, it is replaced, not followed', async () => {
    const t = await view();
    await symlink(join(outside, 'victim'), join(root, 'a/final'));
    await assert.rejects(t.putStream(join(root, 'a/final'), body('pwned')), escape);
    await t.putStream(join(root, 'a/final.tmp'), body('new'));
    await t.rename(join(root, 'a/final.tmp'), join(root, 'a/final'));
    assert.ok((await lstat(join(root, 'a/final'))).isFile());
    assert.equal(await readFile(join(root, 'a/final'), 'utf8'), 'new');
    await outsideUntouched();
  });

  it('link targets are resolved on disk: out of the root, or through an existing symlink, refused', async () => {
    const t = await view();
    await assert.rejects(t.symlink('../esc/victim', join(root, 'a/l')), escape);
    await assert.rejects(t.symlink(join(outside, 'victim'), join(root, 'a/l')), escape);
    await assert.rejects(t.symlink('.', join(root, 'dot')), escape); // its own directory
    // the four-notice chain, with `dot -> .` already there: up -> dot/.. resolves to the root's parent
    await symlink('.', join(root, 'dot'));
    await assert.rejects(t.symlink('dot/..', join(root, 'up')), escape);
    await assert.rejects(lstat(join(root, 'up')));
  });

  it('follow_symlinks on: a symlink leading under the root is followed, one leading out is still refused', async () => {
    await mkdir(join(root, 'real'));
    await symlink('real', join(root, 'in'));
    const t = await view(true);
    await t.putStream(join(root, 'in/f'), body('via link'));
    assert.equal(await readFile(join(root, 'real/f'), 'utf8'), 'via link');
    await assert.rejects(t.putStream(join(root, 'esc/x'), body('pwned')), escape);
    await assert.rejects(t.mkdirp(join(root, 'esc/sub')), escape);
    await outsideUntouched();
  });

  it('a directory swapped for a symlink while files are written into it never lets one out (race)', async () => {
    const t = await view();
    await mkdir(join(root, 'race'));
    let stop = false;
    const swapper = (async (): Promise<void> => {
      // the attacker: race <-> (symlink to outside), each state held about a millisecond
      while (!stop) {
        await rename(join(root, 'race'), join(root, 'race.real')).catch(() => undefined);
        await symlink(outside, join(root, 'race')).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 1));
        await rm(join(root, 'race'), { force: true }).catch(() => undefined);
        await rename(join(root, 'race.real'), join(root, 'race')).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    let ok = 0, refused = 0;
    try {
      for (let i = 0; i < 300; i++) {
        try {
          await t.putStream(join(root, `race/f${i}`), body('x'));
          ok++;
        } catch (e: unknown) {
          // refused (422), or the swap seen mid-step (ENOTDIR, ENOENT): never written outside
          if (!(e instanceof PermanentError) && !(e instanceof TransientError)) throw e;
          refused++;
        }
      }
    } finally {
      stop = true;
      await swapper;
    }
    await outsideUntouched();
    assert.equal(ok + refused, 300);
    // the unconfined driver, run the same way, puts about half of them into `outside`
    assert.ok(refused > 0 && ok > 0, `the swap was seen (${refused} refused, ${ok} written inside)`);
  });
});
