// Unit tests of the sender's confinement over the file: driver: the source opened under baseDir by what is on
// disk, the remote side through the confined view, absolute link targets mapped under the send root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Logger, PathEscapeError, PermanentError } from '@sarra/common';
import type { Options } from '@sarra/config';
import type { WorkItem } from '@sarra/flow';
import { TransferPool } from '@sarra/transfer';
import { makeSender, remoteLinkTarget } from '../src/send-file.js';

function item(relPath: string, newDir: string, newFile: string, fileOp?: Record<string, string>): WorkItem {
  return { notice: { pubTime: '20261122T000000', baseUrl: 'file:/', relPath, ...(fileOp ? { fileOp } : {}) }, newDir, newFile };
}

const execFileP = promisify(execFile);
const escape = (re?: RegExp) => (e: unknown): boolean => e instanceof PathEscapeError && e.reportCode === 422 && (!re || re.test(e.message));

test('remote link targets: absolute ones mapped under the send root (or the login directory), relative ones confined', () => {
  assert.equal(remoteLinkTarget('/in/', '/in/out/a/l', '/a/f'), '/in/a/f');
  assert.equal(remoteLinkTarget('/in/', '/in/out/a/l', 'f'), 'f');
  assert.equal(remoteLinkTarget('/', 'sent/a/l', '/x/f'), '../../x/f', 'login-relative: the same place, relative');
  assert.equal(remoteLinkTarget('/', 'sent/l', '/sent'), '.');
  assert.equal(remoteLinkTarget('/in', '/other/l', '/x'), '/x', 'outside the send root (an absolute directory): root /');
  assert.throws(() => remoteLinkTarget('/in/', '/in/a/l', '../../etc'), escape());
  assert.throws(() => remoteLinkTarget('/', 'a/l', '../../etc'), escape());
});

test('send over file: a source symlink leading out of baseDir is refused; one inside is followed; the remote side is confined', async () => {
  const d = await realpath(await mkdtemp(join(tmpdir(), 'send-confine-')));
  const pool = new TransferPool();
  try {
    const src = join(d, 'src'), dst = join(d, 'dst'), outside = join(d, 'outside');
    await mkdir(join(src, 'a'), { recursive: true });
    await mkdir(join(src, 'esc'));
    await mkdir(dst);
    await mkdir(outside);
    await writeFile(join(d, 'secret.txt'), 'secret');
    await writeFile(join(outside, 'victim'), 'must survive');
    await writeFile(join(outside, 'f'), 'outside file');
    await writeFile(join(src, 'a/f.txt'), 'payload');
    await writeFile(join(src, 'esc/x'), 'x');
    await symlink('../secret.txt', join(src, 'leak'));
    await symlink(outside, join(src, 'dirleak'));
    await symlink('a/f.txt', join(src, 'inside'));
    await symlink(outside, join(dst, 'esc'));
    const o = { sendTo: `file:${dst}/`, baseDir: src, inflight: undefined } as unknown as Options;
    const send = makeSender(o, { pool, logger: Logger.silent() });
    const sig = new AbortController().signal;

    await assert.rejects(send(item('/leak', dst, 'leak'), sig), escape(/source \/leak refused/));
    await assert.rejects(send(item('dirleak/f', join(dst, 'dirleak'), 'f'), sig), escape(/dirleak/));
    await send(item('inside', dst, 'inside'), sig);
    assert.equal(await readFile(join(dst, 'inside'), 'utf8'), 'payload', 'a symlink inside the tree is followed');
    assert.ok((await lstat(join(dst, 'inside'))).isFile());

    await assert.rejects(send(item('esc/x', join(dst, 'esc'), 'x'), sig), escape(/esc is a symlink/));
    await assert.rejects(send(item('esc/victim', join(dst, 'esc'), 'victim', { remove: '' }), sig), escape());
    await assert.rejects(send(item('esc/moved', join(dst, 'esc'), 'moved', { rename: 'inside' }), sig), escape());
    await assert.rejects(send(item('stolen', dst, 'stolen', { rename: 'esc/victim' }), sig), escape());
    await assert.rejects(send(item('l', dst, 'l', { link: '../outside/victim' }), sig), escape());
    await send(item('a/l', join(dst, 'a'), 'l', { link: '/a/f.txt' }), sig);
    assert.equal(await readlink(join(dst, 'a/l')), join(dst, 'a/f.txt'), 'an absolute target is mapped under the send root');

    // a FIFO (or device) named by a notice is refused at once, not opened (an open would wait for a writer)
    await execFileP('mkfifo', [join(src, 'fifo')]);
    await assert.rejects(send(item('fifo', dst, 'fifo'), sig), (e: unknown) => e instanceof PermanentError && e.reportCode === 404);

    // inflight None: a symlink at the final name is refused, never followed
    const direct = makeSender({ ...o, inflight: 'None' } as Options, { pool, logger: Logger.silent() });
    await symlink(join(outside, 'victim'), join(dst, 'trap'));
    await writeFile(join(src, 'trap'), 'pwned');
    await assert.rejects(direct(item('trap', dst, 'trap'), sig), escape(/symlink/));
    // with an inflight name the upload replaces the link
    await send(item('trap', dst, 'trap'), sig);
    assert.equal(await readFile(join(dst, 'trap'), 'utf8'), 'pwned');
    assert.ok((await lstat(join(dst, 'trap'))).isFile());

    assert.deepEqual((await readdir(outside)).sort(), ['f', 'victim']);
    assert.equal(await readFile(join(outside, 'victim'), 'utf8'), 'must survive');
    await assert.rejects(lstat(join(dst, 'leak')));
    await assert.rejects(lstat(join(dst, 'stolen')));
    assert.equal(await readFile(join(src, 'inside'), 'utf8'), 'payload', 'the rename refused moved nothing');
  } finally {
    await pool.closeAll();
    await rm(d, { recursive: true, force: true });
  }
});
