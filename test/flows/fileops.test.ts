// ACCEPTANCE check 6: links, renames and removals under the watched tree (downloaded_by_sub) reach every downstream
// tree: sent/ (sender over SFTP) and downloaded_by_sftp (subscriber of the sender's v02 output).
import assert from 'node:assert/strict';
import { lstat, mkdir, readFile, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pump, type Pump } from './lib/pump.js';
import { diagnostics } from './lib/drain.js';
import { listTree } from './lib/manifest.js';
import { startPump } from './lib/start.js';

const WANT = ['d1/f1', 'd1/f2renamed', 'd1/link1'];

describe('check 6: file operations', { timeout: 180_000 }, () => {
  let p: Pump;
  let settled: Record<string, string[]> = {};
  let first: Record<string, string[]> = {};

  /** Waits until sent/ lists exactly `files` (up to `ms`), then up to 10 s more for downloaded_by_sftp; returns what each lists. */
  async function settle(files: string[], ms: number): Promise<Record<string, string[]>> {
    const want = JSON.stringify(files);
    const upTo = async (d: string, deadline: number): Promise<string[]> => {
      for (;;) {
        const l = await listTree(d);
        if (JSON.stringify(l) === want || Date.now() > deadline) return l;
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    const sent = await upTo(p.sent, Date.now() + ms);
    return { [p.sent]: sent, [p.bySftp]: await upTo(p.bySftp, Date.now() + 10_000) };
  }

  before(async () => {
    p = await pump({ name: 'fileops', configs: ['watch/w', 'sender/s', 'subscribe/sftp'], copySample: false });
    await mkdir(join(p.bySub, 'd1'), { recursive: true });
    await mkdir(p.sent, { recursive: true });
    await startPump(p);
    await new Promise((r) => setTimeout(r, 2000)); // the watch is set up
    for (const f of ['f1', 'f2', 'f3']) await writeFile(join(p.bySub, 'd1', f), `content of ${f}\n`);
    first = await settle(['d1/f1', 'd1/f2', 'd1/f3'], 30_000);
    await symlink('f1', join(p.bySub, 'd1', 'link1'));
    await rename(join(p.bySub, 'd1', 'f2'), join(p.bySub, 'd1', 'f2renamed'));
    await rm(join(p.bySub, 'd1', 'f3'));
    settled = await settle(WANT, 40_000);
  });
  after(async () => { await p?.cleanup(); });

  for (const [name, tree] of [['sent/', (x: Pump) => x.sent], ['downloaded_by_sftp', (x: Pump) => x.bySftp]] as const) {
    test(`${name}: the rename, the removal and the link arrived`, async () => {
      const d = tree(p);
      assert.deepEqual(first[d], ['d1/f1', 'd1/f2', 'd1/f3'], `the new files reached ${name} first\n${await diagnostics(p)}`);
      assert.deepEqual(settled[d], WANT, `${name} lists ${JSON.stringify(settled[d])}`);
      assert.equal(await readFile(join(d, 'd1/f2renamed'), 'utf8'), 'content of f2\n');
      assert.equal(await readFile(join(d, 'd1/f1'), 'utf8'), 'content of f1\n');
      const st = await lstat(join(d, 'd1/link1'));
      assert.ok(st.isSymbolicLink(), 'link1 is a symbolic link');
      assert.equal(await readlink(join(d, 'd1/link1')), 'f1');
    });
  }
});
