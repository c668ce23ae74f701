// The small-file writer thread: many files per batch, mode/times/rename applied, errors come back per file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSmallFile } from '../src/download-writer.js';

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'writer-test-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

test('200 files written at once: contents, renamed, no temp left, times and chmod applied', async () => {
  await Promise.all(Array.from({ length: 200 }, (_, i) => writeSmallFile({
    tmp: join(dir, `f${i}.tmp`), final: join(dir, `f${i}`), buf: Buffer.from(`file ${i}`), mode: 0o644,
    chmod: i === 7 ? 0o666 : undefined, times: i === 3 ? [1_600_000_000, 1_500_000_000] : undefined,
  })));
  const names = await readdir(dir);
  assert.equal(names.length, 200);
  assert.ok(names.every((n) => !n.endsWith('.tmp')));
  assert.equal(await readFile(join(dir, 'f123'), 'utf8'), 'file 123');
  assert.equal((await stat(join(dir, 'f3'))).mtimeMs, 1_500_000_000_000);
  assert.equal((await stat(join(dir, 'f7'))).mode & 0o777, 0o666);
});

test('a leftover temp file is replaced; an empty body makes an empty file', async () => {
  await writeFile(join(dir, 'e.tmp'), 'stale leftover', { mode: 0o600 });
  await writeSmallFile({ tmp: join(dir, 'e.tmp'), final: join(dir, 'e'), buf: Buffer.alloc(0), mode: 0o644 });
  assert.equal((await stat(join(dir, 'e'))).size, 0);
  assert.equal((await stat(join(dir, 'e'))).mode & 0o777, 0o644);
});

test('a failing file rejects with its errno code; the others of the batch still succeed', async () => {
  const bad = writeSmallFile({ tmp: join(dir, 'missing', 'x.tmp'), final: join(dir, 'missing', 'x'), buf: Buffer.from('x'), mode: 0o644 });
  const good = writeSmallFile({ tmp: join(dir, 'g.tmp'), final: join(dir, 'g'), buf: Buffer.from('g'), mode: 0o644 });
  await assert.rejects(bad, (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT');
  await good;
  assert.equal(await readFile(join(dir, 'g'), 'utf8'), 'g');
});
