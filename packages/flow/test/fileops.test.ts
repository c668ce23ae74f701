// File operations: hostile ones are rejected by the filter (422, never attempted); the rest are confined
// under the root the matching mask put in force (item.destRoot), not the top-level `directory`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newParseState, parseText, resolveOptions, Credentials, type Options } from '@sarra/config';
import { PathEscapeError } from '@sarra/common';
import type { Notice } from '@sarra/message';
import { defaultAccept } from '../src/accept.js';
import { applyFileOp } from '../src/fileops.js';
import type { WorkItem } from '../src/types.js';

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'fileops-test-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

/** Two masks with different directories; the top-level `directory` is a third place nothing may touch. */
function conf(): Options {
  const st = newParseState('subscribe', 'test', { HOME: '/tmp/nohome' });
  parseText(st, [
    'broker amqp://anonymous@localhost', `directory ${dir}/top`, 'mirror on',
    `directory ${dir}/one`, 'accept /one/.*', `directory ${dir}/two`, 'accept /two/.*', '',
  ].join('\n'), '/tmp/test.conf');
  return resolveOptions(st, Credentials.empty());
}

function item(relPath: string, fileOp: Notice['fileOp']): WorkItem {
  return { notice: { pubTime: '20240101T000000', baseUrl: 'http://h/', relPath, fileOp } };
}

test('hostile links, renames and hard links are rejected by the filter with 422, before any attempt', () => {
  const o = conf();
  const accept = defaultAccept(o);
  const hostile: WorkItem[] = [
    item('/one/a/evil', { link: '../../../../etc/passwd' }),
    item('/one/a/evil', { link: '..\\..\\..\\..\\etc' }),
    item('/one/a/evil', { link: '%2e%2e/%2e%2e/%2e%2e/x' }),
    item('/one/a/evil', { rename: '/../../victim' }),
    item('/one/a/evil', { rename: 'one/../../../victim' }),
    item('/two/evil', { hlink: '/../../etc/shadow' }),
  ];
  for (const it of hostile) {
    const v = accept(it, Date.now());
    assert.equal(v.accepted, false, JSON.stringify(it.notice.fileOp));
    assert.equal(v.accepted === false && v.code, 422, JSON.stringify(it.notice.fileOp));
  }
  // a link climbing inside the mask's root is fine
  assert.equal(accept(item('/one/a/ok', { link: '../b/target' }), Date.now()).accepted, true);
});

test('file operations are confined under the mask root (destRoot), not the top-level directory', async () => {
  const o = conf();
  const accept = defaultAccept(o);
  const run = async (it: WorkItem): Promise<void> => {
    assert.equal(accept(it, Date.now()).accepted, true, it.notice.relPath);
    assert.equal(it.destRoot, join(dir, 'two'));
    await applyFileOp(o, it);
  };
  await run(item('/two/d', { directory: '' }));
  assert.ok((await stat(join(dir, 'two', 'two', 'd'))).isDirectory());
  await writeFile(join(dir, 'two', 'two', 'd', 'f'), 'x');
  // an absolute link target means "under the root": the mask's root, not `directory`
  await run(item('/two/d/abs', { link: '/two/d/f' }));
  assert.equal(await readlink(join(dir, 'two', 'two', 'd', 'abs')), join(dir, 'two', 'two', 'd', 'f'));
  assert.equal(await readFile(join(dir, 'two', 'two', 'd', 'abs'), 'utf8'), 'x');
  await run(item('/two/d/rel', { link: 'f' }));
  assert.equal(await readlink(join(dir, 'two', 'two', 'd', 'rel')), 'f');
  await run(item('/two/d/g', { rename: '/two/d/f' }));
  assert.equal(await readFile(join(dir, 'two', 'two', 'd', 'g'), 'utf8'), 'x');
  await run(item('/two/d/h', { hlink: '/two/d/g' }));
  assert.equal((await stat(join(dir, 'two', 'two', 'd', 'h'))).nlink, 2);
  await assert.rejects(stat(join(dir, 'top')), 'the top-level directory is never touched');
});

test('applyFileOp still refuses an escape if an item reaches it unfiltered (defence in depth)', async () => {
  const o = conf();
  await mkdir(join(dir, 'two', 'x'), { recursive: true });
  const it: WorkItem = { ...item('/x/evil', { link: '../../../../../etc/passwd' }), destRoot: join(dir, 'two'), newDir: join(dir, 'two', 'x'), newFile: 'evil' };
  await assert.rejects(applyFileOp(o, it), PathEscapeError);
  await assert.rejects(stat(join(dir, 'two', 'x', 'evil')));
});
