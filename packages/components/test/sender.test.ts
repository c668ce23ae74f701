// Unit tests of the sender's transfer over the file: driver: paths, inflight + rename, file operations, confinement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdtemp, mkdir, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger, PathEscapeError, PermanentError } from '@sarra/common';
import type { Options } from '@sarra/config';
import type { WorkItem } from '@sarra/flow';
import { TransferPool } from '@sarra/transfer';
import { makeSender, remoteFinalPath, sendRootOf, localRootOf } from '../src/send-file.js';

function item(relPath: string, newDir: string, newFile: string, fileOp?: Record<string, string>): WorkItem {
  return { notice: { pubTime: '20261122T000000', baseUrl: 'file:/', relPath, ...(fileOp ? { fileOp } : {}) }, newDir, newFile };
}

test('paths: sendTo root, local root, remote final path confined', () => {
  assert.equal(sendRootOf('sftp://u@h:22/'), '/');
  assert.equal(sendRootOf('sftp://u@h/data/in/'), '/data/in/');
  assert.equal(localRootOf({ baseDir: '/src', post_baseDir: '/x' }), '/src');
  assert.equal(localRootOf({ post_baseDir: '/x' }), '/x');
  assert.equal(localRootOf({}), '/');
  assert.equal(remoteFinalPath('sftp://u@h/', item('a/b', 'sent/a', 'b')), 'sent/a/b', 'relative to the login directory (sr3 sftp cd)');
  assert.throws(() => remoteFinalPath('sftp://u@h/', item('a/b', 'sent/../../x', 'b')), PathEscapeError);
  assert.equal(remoteFinalPath('sftp://u@h/base/', item('a/b', 'sent/a', 'b')), '/base/sent/a/b');
  assert.equal(remoteFinalPath('sftp://u@h/base/', item('a/b', '/abs/a', 'b')), '/abs/a/b');
  assert.throws(() => remoteFinalPath('sftp://u@h/base/', item('a/b', '../../etc', 'passwd')), PathEscapeError);
  assert.throws(() => remoteFinalPath('sftp://u@h/', item('a/b', 'x', '..')), PathEscapeError);
});

test('send over file: inflight then rename, mkdir -p, then link, rename, remove, rmdir', async () => {
  const d = await mkdtemp(join(tmpdir(), 'send-'));
  const pool = new TransferPool();
  try {
    const src = join(d, 'src');
    const dst = join(d, 'dst');
    await mkdir(join(src, 'a/b'), { recursive: true });
    await mkdir(dst);
    await writeFile(join(src, 'a/b/f.txt'), 'payload');
    const o = { sendTo: `file:${dst}/`, baseDir: src, inflight: undefined } as unknown as Options;
    const send = makeSender(o, { pool, logger: Logger.silent() });
    const ac = new AbortController();
    await send(item('a/b/f.txt', 'out/a/b', 'f.txt'), ac.signal);
    assert.equal(await readFile(join(dst, 'out/a/b/f.txt'), 'utf8'), 'payload');
    assert.deepEqual(await readdir(join(dst, 'out/a/b')), ['f.txt'], 'no inflight leftover');
    await writeFile(join(src, 'empty'), '');
    await send(item('empty', 'out', 'empty'), ac.signal);
    assert.equal((await readFile(join(dst, 'out/empty'))).length, 0);

    await send(item('a/b/l', 'out/a/b', 'l', { link: 'f.txt' }), ac.signal);
    assert.equal(await readlink(join(dst, 'out/a/b/l')), 'f.txt');
    await assert.rejects(send(item('a/b/l2', 'out/a/b', 'l2', { link: '../../../../etc/passwd' }), ac.signal), PathEscapeError);

    await send(item('a/b/g.txt', 'out/a/b', 'g.txt', { rename: 'a/b/f.txt' }), ac.signal);
    assert.equal(await readFile(join(dst, 'out/a/b/g.txt'), 'utf8'), 'payload');
    await assert.rejects(lstat(join(dst, 'out/a/b/f.txt')));

    await send(item('a/b/g.txt', 'out/a/b', 'g.txt', { remove: '' }), ac.signal);
    await send(item('a/b/l', 'out/a/b', 'l', { remove: '' }), ac.signal);
    await send(item('a/b/l', 'out/a/b', 'l', { remove: '' }), ac.signal); // already gone: fine
    await send(item('a/c', 'out/a', 'c', { directory: '' }), ac.signal);
    assert.ok((await lstat(join(dst, 'out/a/c'))).isDirectory());
    await send(item('a/c', 'out/a', 'c', { directory: '', remove: '' }), ac.signal);
    await assert.rejects(lstat(join(dst, 'out/a/c')));

    await assert.rejects(send(item('a/b/missing', 'out', 'missing'), ac.signal), (e: unknown) => e instanceof PermanentError && e.reportCode === 404);
    await assert.rejects(send(item('../../etc/passwd', 'out', 'passwd'), ac.signal), PathEscapeError);
  } finally {
    await pool.closeAll();
    await rm(d, { recursive: true, force: true });
  }
});
