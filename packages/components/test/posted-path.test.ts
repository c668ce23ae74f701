// postedPath (realpathPost): a path is announced with its directory resolved; the entry itself (a link) is kept, and
// a path whose directory is gone (a removal) stays as given; without realpathPost, nothing changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postedPath } from '../src/producers/fileinfo.js';

test('the directory part is resolved, the last name kept; off, the path as given', async () => {
  const d = await realpath(await mkdtemp(join(tmpdir(), 'posted-')));
  try {
    await mkdir(join(d, 'real'));
    await symlink('real', join(d, 'alias'));
    await symlink('elsewhere', join(d, 'real', 'link'));
    assert.equal(postedPath({ realpath: true }, join(d, 'alias', 'f.txt')), join(d, 'real', 'f.txt'));
    assert.equal(postedPath({ realpath: true }, join(d, 'alias', 'link')), join(d, 'real', 'link'), 'a link stays a link');
    assert.equal(postedPath({ realpath: true }, join(d, 'gone', 'f.txt')), join(d, 'gone', 'f.txt'));
    assert.equal(postedPath({ realpath: false }, join(d, 'alias', 'f.txt')), join(d, 'alias', 'f.txt'));
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});
