// Unit tests of the remote write guard (remote-confine.ts), run over the local file system standing in for a
// remote: symlinks on the way refused (or, with follow, checked to lead under the root), the per-connection
// cache of verified directories and its invalidation, link targets resolved on the "remote".
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readlink, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PathEscapeError } from '@sarra/common';
import type { RemoteEntry } from '@sarra/transfer';
import { RemoteGuard, splitUnder } from '../src/remote-confine.js';
import type { RemoteInspector } from '../src/remote-confine.js';

/** The local fs as a remote, counting requests. */
class Local implements RemoteInspector {
  stats = 0;
  async stat(p: string): Promise<RemoteEntry | undefined> {
    this.stats++;
    try {
      const st = await lstat(p);
      return { name: p, size: st.size, mtime: st.mtimeMs, isDir: st.isDirectory(), isLink: st.isSymbolicLink() };
    } catch {
      return undefined;
    }
  }
  realpath(p: string): Promise<string> { return realpath(p); }
  readlink(p: string): Promise<string> { return readlink(p); }
}

const escape = (e: unknown): boolean => e instanceof PathEscapeError && e.reportCode === 422;

describe('splitUnder', () => {
  it('an absolute path below the root, a relative one below the login directory, any other from /', () => {
    assert.deepEqual(splitUnder('/in/', '.', '/in/a/b'), { root: '/in', names: ['a', 'b'] });
    assert.deepEqual(splitUnder('/in', '.', '/in'), { root: '/in', names: [] });
    assert.deepEqual(splitUnder('/in', '.', '/inx/a'), { root: '/', names: ['inx', 'a'] });
    assert.deepEqual(splitUnder('/', '.', 'a/./b/'), { root: '.', names: ['a', 'b'] });
    assert.throws(() => splitUnder('/', '.', 'a/../../b'), escape);
  });
});

describe('RemoteGuard', () => {
  let d: string;
  let root: string;
  before(async () => {
    d = await realpath(await mkdtemp(join(tmpdir(), 'guard-')));
    root = join(d, 'root');
    await mkdir(join(root, 'a/b/c'), { recursive: true });
    await mkdir(join(root, 'real'), { recursive: true });
    await mkdir(join(d, 'outside'));
    await symlink(join(d, 'outside'), join(root, 'esc'));
    await symlink('real', join(root, 'in'));
    await writeFile(join(root, 'file'), 'x');
  });
  after(() => rm(d, { recursive: true, force: true }));

  it('refuses a symlink on the way (follow off), also one deep, also the directory itself', async () => {
    const g = new RemoteGuard(new Local(), { root, follow: false });
    await assert.rejects(g.checkDir(join(root, 'esc')), escape);
    await assert.rejects(g.checkParent(join(root, 'esc/x')), (e: unknown) => escape(e) && /esc is a symlink/.test((e as Error).message));
    await assert.rejects(g.checkDir(join(root, 'in/deeper')), escape);
    await g.checkDir(join(root, 'a/b/c'));
    await g.checkDir(join(root, 'a/missing/x')); // stops at the first missing one
    await g.checkParent(join(root, 'file')); // the root itself is trusted and not checked
  });

  it('the root itself may be a symlink (the operator\'s)', async () => {
    await symlink(root, join(d, 'rootlink'));
    const g = new RemoteGuard(new Local(), { root: join(d, 'rootlink'), follow: false });
    await g.checkDir(join(d, 'rootlink/a/b'));
    await assert.rejects(g.checkDir(join(d, 'rootlink/esc')), escape);
  });

  it('with follow on, a symlink leading under the root is followed and one leading out refused', async () => {
    const g = new RemoteGuard(new Local(), { root, follow: true });
    await g.checkDir(join(root, 'in'));
    await assert.rejects(g.checkDir(join(root, 'esc')), (e: unknown) => escape(e) && /leads outside/.test((e as Error).message));
  });

  it('remembers verified and made directories: a second file in the same tree costs no request', async () => {
    const fs = new Local();
    const g = new RemoteGuard(fs, { root, follow: false });
    await Promise.all(Array.from({ length: 20 }, () => g.checkParent(join(root, 'a/b/c/f'))));
    assert.equal(fs.stats, 3, 'a, a/b, a/b/c: each lstat once, even for 20 concurrent checks');
    await g.checkParent(join(root, 'a/b/c/g'));
    assert.equal(fs.stats, 3);
    g.made(join(root, 'new/dir'));
    await g.checkDir(join(root, 'new/dir'));
    assert.equal(fs.stats, 3, 'made by us: not checked again');
  });

  it('forgets a directory removed, renamed or replaced, and everything below it', async () => {
    const fs = new Local();
    const g = new RemoteGuard(fs, { root, follow: false });
    await mkdir(join(root, 'swap/sub'), { recursive: true });
    await g.checkDir(join(root, 'swap/sub'));
    const n = fs.stats;
    g.forget(join(root, 'a/b/c/file-never-a-dir')); // not remembered: nothing to do
    await rm(join(root, 'swap'), { recursive: true });
    await symlink(join(d, 'outside'), join(root, 'swap'));
    g.forget(join(root, 'swap'));
    await assert.rejects(g.checkDir(join(root, 'swap/sub')), escape);
    assert.ok(fs.stats > n, 'checked again after forget');
  });

  it('a refusal is not remembered: checked again next time', async () => {
    const fs = new Local();
    const g = new RemoteGuard(fs, { root, follow: false });
    await assert.rejects(g.checkDir(join(root, 'esc')), escape);
    await assert.rejects(g.checkDir(join(root, 'esc')), escape);
    assert.equal(fs.stats, 2);
  });

  it('checks link targets resolved on the remote: existing symlinks followed, own directory or above refused', async () => {
    const g = new RemoteGuard(new Local(), { root, follow: false });
    await g.checkLinkTarget(join(root, 'a/l'), 'b/c');
    await g.checkLinkTarget(join(root, 'a/b/l'), '../../real');
    await assert.rejects(g.checkLinkTarget(join(root, 'a/l'), '../esc/x'), (e: unknown) => escape(e) && /outside/.test((e as Error).message));
    await assert.rejects(g.checkLinkTarget(join(root, 'a/l'), '/etc/passwd'), escape);
    await assert.rejects(g.checkLinkTarget(join(root, 'a/l'), '.'), (e: unknown) => escape(e) && /own directory/.test((e as Error).message));
    // the four-notice chain: dot -> . then up -> dot/.. resolves to the root's parent
    await symlink('.', join(root, 'dot'));
    await assert.rejects(g.checkLinkTarget(join(root, 'up'), 'dot/..'), escape);
  });
});
