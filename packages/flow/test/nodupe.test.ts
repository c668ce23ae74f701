// Duplicate suppression: sr3 key derivation, TTL, claims within a batch, persistence, file age limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newParseState, parseText, resolveOptions, Credentials, type Options } from '@sarra/config';
import type { Notice } from '@sarra/message';
import { Logger, nodupeCacheFile } from '@sarra/common';
import { NoDupe, checkFileAge, pyQuote } from '../src/nodupe.js';
import { newWorklist, type WorkItem } from '../src/types.js';
import { intake } from '../src/intake.js';
import type { FlowParts } from '../src/flow-parts.js';

function conf(text: string, component = 'sarra'): Options {
  const st = newParseState(component, 'test', { HOME: '/tmp/nohome' });
  parseText(st, `broker amqp://anonymous@localhost\n${text}\n`, '/tmp/test.conf');
  return resolveOptions(st, Credentials.empty());
}

const SHA = { method: 'sha512' as const, value: 'lZ7EvN5EoVLA6pjjbK0tnlw+kkw5C9OQR3be2AkrY/OlQbn7dsutS4byKgxRfF7YsjRcaK4rRViIUjy7Lv7/cA==' };

function notice(extra: Partial<Notice> = {}): Notice {
  return { pubTime: '20261122T020710.613460302', baseUrl: 'http://127.0.0.1:8090/', relPath: 'wire/f_wire.dat', ...extra };
}
const item = (extra: Partial<Notice> = {}): WorkItem => ({ notice: notice(extra) });

/** A path never written: these tests record nothing durable (no flush is awaited and the dir is never made). */
const NOFILE = '/dev/null/c.cache';

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'nodupe-'));
}

test('key derivation follows sr3 deriveKey exactly', () => {
  assert.equal(NoDupe.key(notice({ identity: SHA, size: 4096, mtime: '20261122T014745.927582502' })), `sha512,${SHA.value}`);
  assert.equal(NoDupe.key(notice({ nodupe_override: { key: 'K' }, identity: SHA })), 'K');
  assert.equal(NoDupe.key(notice({ fileOp: { link: '../target' }, identity: SHA })), '../target');
  assert.equal(NoDupe.key(notice({ relPath: 'wire', fileOp: { directory: '' } })), 'wire');
  // rmdir and remove fall through to relPath,time (identity is not used when fileOp is present, as in sr3)
  assert.equal(NoDupe.key(notice({ fileOp: { directory: '', remove: '' } })), 'wire/f_wire.dat,20261122T020710.613460302');
  assert.equal(NoDupe.key(notice({ fileOp: { remove: '' }, identity: SHA })), 'wire/f_wire.dat,20261122T020710.613460302');
  // cod is not an identity of the data
  assert.equal(NoDupe.key(notice({ identity: { method: 'cod', value: 'sha512' }, mtime: '20261122T014745.9', size: 12 })), 'wire/f_wire.dat,20261122T014745.9,12');
  assert.equal(NoDupe.key(notice({ mtime: '20261122T014745.9' })), 'wire/f_wire.dat,20261122T014745.9');
  assert.equal(NoDupe.key(notice({ identity: { method: 'md5', value: 'ab\ncd' } })), 'md5,abcd');
});

test('path half: relPath without leading slash; name basis: file name; data basis: nothing', () => {
  const n = notice({ relPath: '/a/b/c.txt' });
  assert.equal(NoDupe.path(n), 'a/b/c.txt');
  assert.equal(NoDupe.path(n, 'name'), 'c.txt');
  assert.equal(NoDupe.path(n, 'data'), '');
  assert.equal(NoDupe.path(notice({ nodupe_override: { path: 'p/q' } })), 'p/q');
});

test('duplicate = same key and same path within nodupe_ttl; record only after success', async () => {
  const d = await tmp();
  try {
    const nd = new NoDupe(conf('nodupe_ttl 300'), join(d, 'c.cache'));
    const a = item({ identity: SHA });
    assert.equal(nd.isDuplicate(a, 1000), false);
    nd.record(a, 1000);
    assert.equal(nd.isDuplicate(item({ identity: SHA }), 2000), true, 'same key and path');
    assert.equal(nd.isDuplicate(item({ identity: SHA, relPath: 'other/f_wire.dat' }), 2000), false, 'same data, other path');
    assert.equal(nd.isDuplicate(item({ identity: { method: 'sha512', value: 'AAAA' } }), 2000), false, 'changed content');
    assert.equal(nd.isDuplicate(item({ identity: SHA }), 1000 + 300_001), false, 'expired');
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});

test('name basis: same data under another directory is a duplicate; data basis ignores names', async () => {
  const byName = new NoDupe(conf('nodupe_ttl 300\nnodupe_basis name'), NOFILE);
  byName.record(item({ identity: SHA, relPath: 'a/x.dat' }), 0);
  assert.equal(byName.isDuplicate(item({ identity: SHA, relPath: 'b/x.dat' }), 1), true);
  const byData = new NoDupe(conf('nodupe_ttl 300\nnodupe_basis data'), NOFILE);
  byData.record(item({ identity: SHA, relPath: 'a/x.dat' }), 0);
  assert.equal(byData.isDuplicate(item({ identity: SHA, relPath: 'b/y.dat' }), 1), true);
});

test('a second copy in the same batch is a duplicate; the same item asking twice is not; release frees it', () => {
  const nd = new NoDupe(conf('nodupe_ttl 300'), NOFILE);
  const a = item({ identity: SHA });
  const b = item({ identity: SHA });
  assert.equal(nd.isDuplicate(a, 1), false);
  assert.equal(nd.isDuplicate(a, 2), false, 'same object again');
  assert.equal(nd.isDuplicate(b, 2), true, 'copy from the other source');
  nd.release(a);
  assert.equal(nd.isDuplicate(b, 3), false, 'released after a permanent failure');
});

test('nodupe_ttl 0 turns suppression off', () => {
  const nd = new NoDupe(conf('nodupe_ttl 0'), NOFILE);
  nd.record(item({ identity: SHA }), 0);
  assert.equal(nd.isDuplicate(item({ identity: SHA }), 1), false);
});

test('cache file: sr3 line format, survives a restart, expired lines pruned on save', async () => {
  const d = await tmp();
  try {
    const file = nodupeCacheFile(d, 1);
    assert.equal(file, join(d, 'recent_files_001.cache'));
    const o = conf('nodupe_ttl 300');
    const nd = new NoDupe(o, file);
    const now = Date.now();
    nd.record(item({ identity: SHA, relPath: '/dir with space/f#1.dat' }), now - 400_000);
    nd.record(item({ identity: SHA }), now);
    await nd.flush();
    const appended = await readFile(file, 'utf8');
    assert.equal(appended.trim().split('\n').length, 2, 'appended as recorded (kill -9 keeps them)');
    await nd.save(now);
    const text = await readFile(file, 'utf8');
    const lines = text.trim().split('\n');
    assert.equal(lines.length, 1, 'expired entry pruned');
    const [key, t, path] = lines[0]!.split(' ');
    assert.equal(key, `sha512,${SHA.value}`);
    assert.match(t!, /^\d+\.\d{6}$/);
    assert.equal(path, 'wire/f_wire.dat');

    const again = new NoDupe(o, file);
    await again.load(now + 1000);
    assert.equal(again.isDuplicate(item({ identity: SHA }), now + 1000), true, 'remembered across restart');
    assert.equal(again.isDuplicate(item({ identity: SHA, relPath: 'x' }), now + 1000), false);
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});

test('load reads sr3-written files, quoted paths, and skips corrupt lines', async () => {
  const d = await tmp();
  try {
    const file = join(d, 'recent_files_000.cache');
    const now = 1_700_000_000_000;
    const t = (now / 1000 - 10).toFixed(6);
    await writeFile(file, `md5,abc== ${t} a/dir%20with%20space/f.txt\ngarbage\n\nsha512,x ${t} ${pyQuote('b/é(1).txt')}\nk notanumber p\n`);
    const nd = new NoDupe(conf('nodupe_ttl 300'), file);
    await nd.load(now);
    assert.equal(nd.size, 2);
    assert.equal(nd.isDuplicate(item({ identity: { method: 'md5', value: 'abc==' }, relPath: '/a/dir with space/f.txt' }), now), true);
    assert.equal(nd.isDuplicate(item({ identity: { method: 'sha512', value: 'x' }, relPath: 'b/é(1).txt' }), now), true);
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});

test('a missing cache file is an empty cache', async () => {
  const nd = new NoDupe(conf('nodupe_ttl 300'), join(tmpdir(), 'nodupe-never-created', 'c.cache'));
  await nd.load();
  assert.equal(nd.size, 0);
});

test('pyQuote matches urllib.parse.quote', () => {
  assert.equal(pyQuote('a b/c~d_e.f-g'), 'a%20b/c~d_e.f-g');
  assert.equal(pyQuote("x!'()*#%"), 'x%21%27%28%29%2A%23%25');
});

test('file age: 406 older than fileAgeMax, 425 younger than fileAgeMin, no mtime passes', () => {
  const now = Date.UTC(2026, 10, 22, 2, 0, 0);
  const o = conf('fileAgeMax 1h\nfileAgeMin 30');
  const at = (ms: number): WorkItem => item({ mtime: new Date(ms).toISOString().replace(/[-:]/g, '').replace('Z', '') });
  assert.equal(checkFileAge(o, at(now - 2 * 3600_000), now)?.code, 406);
  assert.equal(checkFileAge(o, at(now - 10_000), now)?.code, 425);
  assert.equal(checkFileAge(o, at(now - 60_000), now), undefined);
  assert.equal(checkFileAge(o, item(), now), undefined);
  const off = conf('');
  assert.equal(checkFileAge(off, at(now - 10 * 365 * 86400_000), now), undefined);
  assert.equal(checkFileAge(off, at(now + 200_000), now)?.code, 425, 'more than 100 s in the future');
});

test('intake: ages and duplicates moved to rejected with their codes and sr3\'s words', () => {
  const o = conf('nodupe_ttl 300\nfileAgeMax 1h');
  const nd = new NoDupe(o, NOFILE);
  nd.record(item({ identity: SHA }), Date.now());
  const old = item({ relPath: 'old', mtime: '20200101T000000' });
  const dup = item({ identity: SHA });
  const fresh = item({ identity: SHA, relPath: 'new' });
  const wl = newWorklist();
  const parts = { gatherer: { next: async () => [] }, work: 'none', hooks: [], logger: Logger.silent(), instance: 1, nodupe: nd } as unknown as FlowParts;
  intake(o, () => ({ accepted: true }), parts, wl, [old, dup, fresh], []);
  assert.deepEqual(wl.incoming, [fresh]);
  assert.deepEqual(wl.rejected.map((i) => i.reportCode), [406, 304]);
  assert.equal(wl.rejected[1]!.reportMessage, 'Not modified 1 (nodupe check)');
});

test('data-basis entries (empty path) survive save and load', async () => {
  const d = await tmp();
  try {
    const o = conf('nodupe_ttl 300\nnodupe_basis data');
    const file = join(d, 'recent_files_002.cache');
    const nd = new NoDupe(o, file);
    const now = Date.now();
    nd.record(item({ identity: SHA, relPath: 'a/x.dat' }), now);
    await nd.save(now);
    const again = new NoDupe(o, file);
    await again.load(now);
    assert.equal(again.isDuplicate(item({ identity: SHA, relPath: 'z/other.dat' }), now), true);
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});

test('isRecorded: true only for work recorded as done within the TTL, not for claims', () => {
  const nd = new NoDupe({ nodupe_ttl: 60, nodupe_basis: 'path' } as unknown as Options, '/nonexistent/cache');
  const it = (relPath: string): WorkItem => ({ notice: { pubTime: '20240101T000000', baseUrl: 'http://x', relPath, identity: { method: 'sha512', value: 'abc' } } });
  const a = it('/d/a');
  assert.equal(nd.isDuplicate(a, 1000), false);
  assert.equal(nd.isRecorded(it('/d/a'), 1000), false, 'a claim is not a record');
  nd.record(a, 1000);
  assert.equal(nd.isRecorded(it('/d/a'), 2000), true);
  assert.equal(nd.isRecorded(it('/d/a'), 1000 + 61_000), false, 'expired');
});
