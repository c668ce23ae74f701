// Unit tests of the post producer: file-gatherer on a temp tree, identities checked against node:crypto.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, writeFile, symlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@sarra/common';
import { FileGatherer } from '../src/producers/file-gatherer.js';
import { parseIdentity, relPathOf, stamp, inlineContent } from '../src/producers/fileinfo.js';

async function tree(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'post-'));
  await mkdir(join(d, 'a/b'), { recursive: true });
  await writeFile(join(d, 'a/one.txt'), 'hello\n');
  await writeFile(join(d, 'a/b/two.bin'), Buffer.from([0xff, 0xfe, 0, 1, 2]));
  await writeFile(join(d, 'a/b/big.dat'), Buffer.alloc(3 * 1024 * 1024, 7));
  await symlink('one.txt', join(d, 'a/lnk'));
  return d;
}

async function gatherAll(g: FileGatherer) {
  await g.start();
  const ac = new AbortController();
  const all = [];
  while (!g.done()) all.push(...await g.gather(2, ac.signal));
  await g.stop();
  return all.map((i) => i.notice);
}

test('walks the tree once: files with sha512, directories, links, relPath under post_baseDir', async () => {
  const d = await tree();
  try {
    const g = new FileGatherer({ paths: [join(d, 'a')], baseUrl: 'http://h/', baseDir: d, identity: 'sha512',
      inline: false, inlineByteMax: 4096, logger: Logger.silent() });
    const ns = await gatherAll(g);
    const byRel = new Map(ns.map((n) => [n.relPath, n]));
    assert.deepEqual([...byRel.keys()].sort(), ['a', 'a/b', 'a/b/big.dat', 'a/b/two.bin', 'a/lnk', 'a/one.txt']);
    for (const rel of ['a/one.txt', 'a/b/two.bin', 'a/b/big.dat']) {
      const n = byRel.get(rel)!;
      const { readFile } = await import('node:fs/promises');
      const data = await readFile(join(d, rel));
      assert.deepEqual(n.identity, { method: 'sha512', value: createHash('sha512').update(data).digest('base64') });
      assert.equal(n.size, data.length);
      assert.equal(n.baseUrl, 'http://h/');
      assert.equal(n.mtime, stamp((await stat(join(d, rel))).mtimeMs));
    }
    assert.deepEqual(byRel.get('a/lnk')!.fileOp, { link: 'one.txt' });
    assert.deepEqual(byRel.get('a/b')!.fileOp, { directory: '' });
    assert.equal(g.failures, 0);
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});

test('identity methods: md5, md5name, cod, random; inline utf-8 and base64', async () => {
  const d = await tree();
  try {
    const run = async (identity: string, inline = false) => {
      const g = new FileGatherer({ paths: [join(d, 'a/one.txt'), join(d, 'a/b/two.bin')], baseUrl: 'sftp://u@h/',
        identity, inline, inlineByteMax: 4096, logger: Logger.silent() });
      return gatherAll(g);
    };
    const md5 = await run('md5');
    assert.equal(md5[0]!.identity!.value, createHash('md5').update('hello\n').digest('base64'));
    assert.equal(md5[0]!.relPath, join(d, 'a/one.txt').slice(1), 'no post_baseDir: absolute path without leading /');
    const name = await run('md5name');
    assert.equal(name[0]!.identity!.value, createHash('md5').update('one.txt').digest('base64'));
    assert.deepEqual((await run('cod,sha512'))[0]!.identity, { method: 'cod', value: 'sha512' });
    assert.equal((await run('random'))[0]!.identity!.method, 'random');
    const inl = await run('sha512', true);
    assert.deepEqual(inl[0]!.content, { encoding: 'utf-8', value: 'hello\n' });
    assert.deepEqual(inl[1]!.content, { encoding: 'base64', value: Buffer.from([0xff, 0xfe, 0, 1, 2]).toString('base64') });
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});

test('a missing path counts as a failure and the walk still ends', async () => {
  const g = new FileGatherer({ paths: ['/nonexistent/xyz'], baseUrl: 'file:/', identity: 'sha512', inline: false,
    inlineByteMax: 0, logger: Logger.silent() });
  assert.deepEqual(await gatherAll(g), []);
  assert.equal(g.failures, 1);
});

test('helpers: relPathOf, stamp, parseIdentity, inlineContent', () => {
  assert.equal(relPathOf('/x/y/z', '/x'), 'y/z');
  assert.equal(relPathOf('/x/y/z', '/x/'), 'y/z');
  assert.equal(relPathOf('/q/z', '/x'), 'q/z');
  assert.equal(stamp(Date.UTC(2026, 10, 22, 2, 7, 9, 743) + 0.5), '20261122T020709.743500000');
  assert.throws(() => parseIdentity('crc32'), /unknown method/);
  assert.deepEqual(parseIdentity('cod,md5'), { method: 'cod', codAlgo: 'md5' });
  assert.equal(inlineContent(Buffer.from('é')).encoding, 'utf-8');
  assert.deepEqual(inlineContent(Buffer.from('ab'), 'binary'), { encoding: 'base64', value: 'YWI=' });
  assert.deepEqual(inlineContent(Buffer.from([0xff]), 'text').encoding, 'utf-8');
});
