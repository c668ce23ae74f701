// Integration: the sftp driver's confined view (a sender's remote side) against a real OpenSSH sshd: a symlink on
// the way below the root refused for every write, a symlink at a written name refused or replaced, planted
// inflight links not followed, follow_symlinks, and the cache of verified directories (no lstat per file).
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { PathEscapeError } from '@sarra/common';
import { startSshd } from '@sarra/testkit/sshd';
import type { SshdHandle } from '@sarra/testkit/sshd';
import { confinedTransfer, openTransfer } from '@sarra/transfer';
import type { Transfer } from '@sarra/transfer';

const escape = (e: unknown): boolean => e instanceof PathEscapeError && e.reportCode === 422;
const body = (s: string): Readable => Readable.from([Buffer.from(s)]);

describe('sftp confined writes against sshd', () => {
  let sshd: SshdHandle;
  let raw: Transfer;
  let t: Transfer;
  let work: string;
  let outside: string;
  let stats = 0;

  before(async () => {
    work = await realpath(await mkdtemp(join(tmpdir(), 'sftp-confine-')));
    outside = join(work, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'victim'), 'must survive');
    await mkdir(join(work, 'root'));
    sshd = await startSshd({ root: join(work, 'root') });
    await mkdir(join(sshd.root, 'real'), { recursive: true });
    await symlink(outside, join(sshd.root, 'esc'));
    await symlink('real', join(sshd.root, 'in'));
    await writeFile(join(sshd.root, 'keep.txt'), 'keep');
    raw = await openTransfer(sshd.url, { details: { ssh_keyfile: sshd.keyFile, known_hosts: sshd.knownHosts } });
    const stat = raw.stat.bind(raw);
    raw.stat = (p: string) => { stats++; return stat(p); };
    // sendTo sftp://u@h/ : paths relative to the login directory
    t = confinedTransfer(raw, { root: '/', follow: false });
  });
  after(async () => {
    await raw?.close();
    await sshd?.cleanup();
    await rm(work, { recursive: true, force: true });
  });

  async function outsideUntouched(): Promise<void> {
    assert.deepEqual(await readdir(outside), ['victim']);
    assert.equal(await readFile(join(outside, 'victim'), 'utf8'), 'must survive');
  }

  it('a symlinked directory on the way: put, mkdir, remove, rmdir, rename in and out, link, stat refused', async () => {
    await assert.rejects(t.putStream('esc/x', body('pwned')), escape);
    await assert.rejects(t.mkdirp('esc/sub/deeper'), escape);
    await assert.rejects(t.remove('esc/victim'), escape);
    await assert.rejects(t.rmdir('esc/sub'), escape);
    await assert.rejects(t.rename('keep.txt', 'esc/moved'), escape);
    await assert.rejects(t.rename('esc/victim', 'stolen'), escape);
    await assert.rejects(t.symlink('x', 'esc/l'), escape);
    await assert.rejects(t.stat('esc/victim'), escape);
    await assert.rejects(t.putStream('in/x', body('through a link inside')), escape, 'follow off: any symlink refused');
    await outsideUntouched();
    assert.equal(await readFile(join(sshd.root, 'keep.txt'), 'utf8'), 'keep');
    await assert.rejects(lstat(join(sshd.root, 'stolen')));
  });

  it('absolute paths are checked below the sendTo path, which may itself hold symlinks', async () => {
    await symlink(sshd.root, join(work, 'rootlink'));
    const a = confinedTransfer(raw, { root: `${join(work, 'rootlink')}/`, follow: false });
    await a.mkdirp(join(work, 'rootlink/abs/d'));
    await a.putStream(join(work, 'rootlink/abs/d/f'), body('abs'));
    assert.equal(await readFile(join(sshd.root, 'abs/d/f'), 'utf8'), 'abs');
    await assert.rejects(a.putStream(join(work, 'rootlink/esc/x'), body('pwned')), escape);
    await outsideUntouched();
  });

  it('a symlink at the written name is refused (inflight None); an inflight name renamed over it replaces it', async () => {
    await t.mkdirp('fin');
    await symlink(join(outside, 'victim'), join(sshd.root, 'fin/final'));
    await assert.rejects(t.putStream('fin/final', body('pwned')), escape);
    await t.putStream('fin/final.tmp', body('new'));
    await t.rename('fin/final.tmp', 'fin/final');
    assert.ok((await lstat(join(sshd.root, 'fin/final'))).isFile());
    assert.equal(await readFile(join(sshd.root, 'fin/final'), 'utf8'), 'new');
    // a planted inflight name is not followed either; an earlier attempt's regular file is written over
    await symlink(join(outside, 'victim'), join(sshd.root, 'fin/planted.tmp'));
    await assert.rejects(t.putStream('fin/planted.tmp', body('pwned')), escape);
    await writeFile(join(sshd.root, 'fin/left.tmp'), 'half a file from before');
    await t.putStream('fin/left.tmp', body('whole'));
    assert.equal(await readFile(join(sshd.root, 'fin/left.tmp'), 'utf8'), 'whole');
    await outsideUntouched();
  });

  it('link targets are resolved on the remote: through an existing symlink, absolute outside, own directory refused', async () => {
    await t.mkdirp('lk/a');
    await writeFile(join(sshd.root, 'lk/a/f'), 'f');
    await t.symlink('f', 'lk/a/l');
    assert.equal(await readlink(join(sshd.root, 'lk/a/l')), 'f');
    await assert.rejects(t.symlink('../../esc/victim', 'lk/a/l2'), escape);
    await assert.rejects(t.symlink(join(outside, 'victim'), 'lk/a/l2'), escape);
    await assert.rejects(t.symlink('.', 'lk/a/dot'), escape);
    await symlink('.', join(sshd.root, 'lk/dot'));
    await assert.rejects(t.symlink('dot/..', 'lk/up'), escape);
    await assert.rejects(t.symlink('dot/../..', 'lk/up'), escape);
    await assert.rejects(lstat(join(sshd.root, 'lk/up')));
  });

  it('follow_symlinks on: a symlink leading under the root is followed, one leading out refused', async () => {
    const f = confinedTransfer(raw, { root: '/', follow: true });
    await f.putStream('in/x', body('via link'));
    assert.equal(await readFile(join(sshd.root, 'real/x'), 'utf8'), 'via link');
    await assert.rejects(f.putStream('esc/x', body('pwned')), (e: unknown) => escape(e) && /leads outside/.test((e as Error).message));
    await assert.rejects(f.remove('esc/victim'), escape);
    await outsideUntouched();
  });

  it('directories verified or made are remembered: 50 files in one tree cost no lstat each; a removed one is checked again', async () => {
    await t.mkdirp('many/a/b');
    const before = stats;
    await Promise.all(Array.from({ length: 50 }, async (_, i) => {
      await t.mkdirp('many/a/b');
      await t.putStream(`many/a/b/f${i}.tmp`, body(`n${i}`));
      await t.rename(`many/a/b/f${i}.tmp`, `many/a/b/f${i}`);
    }));
    assert.equal(stats - before, 0, 'no lstat for any of the 50 files');
    assert.equal((await readdir(join(sshd.root, 'many/a/b'))).length, 50);
    // the tree replaced behind a rmdir: the symlink now there is seen
    await rm(join(sshd.root, 'many/a/b'), { recursive: true });
    await t.rmdir('many/a/b');
    await symlink(outside, join(sshd.root, 'many/a/b'));
    await assert.rejects(t.putStream('many/a/b/again', body('pwned')), escape);
    await outsideUntouched();
  });
});
