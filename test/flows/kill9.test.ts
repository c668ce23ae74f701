// ACCEPTANCE check 12: kill -9 of sarra/download in the middle of downloading a 200 MiB file served slowly
// (nginx limit_rate); after `sr sanity`: one whole file with the right checksum, no temporary leftovers,
// announced downstream once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { base64ToHex } from '@sarra/message';
import { isAlive, kill9 } from '@sarra/testkit/child';
import { pump, type Pump } from './lib/pump.js';
import { drain, until } from './lib/drain.js';
import { listTree, sha512File } from './lib/manifest.js';
import { startPump } from './lib/start.js';
import { noticeOf, publishAll } from './lib/inject.js';
import { tap, type Tap } from './lib/tap.js';

const SIZE = 200 * 1024 * 1024;
const REL = 'big/large.bin';

describe('check 12: kill -9 mid-download of a large file', { timeout: 240_000 }, () => {
  let p: Pump;
  let out: Tap;
  let sum: string;
  let partialSeen = 0;
  let victim = 0;

  before(async () => {
    // 40 MiB/s: the download takes ~5 s, long enough to be killed in the middle
    p = await pump({ name: 'kill9', configs: ['sarra/download'], copySample: false, sshd: false, originLimitRate: 40 * 1024 * 1024 });
    await mkdir(join(p.src, 'big'), { recursive: true });
    const fh = await open(join(p.src, REL), 'w');
    const chunk = randomBytes(4 * 1024 * 1024);
    for (let i = 0; i < SIZE / chunk.length; i++) { chunk.writeUInt32BE(i, 0); await fh.write(chunk); }
    await fh.close();
    sum = await sha512File(join(p.src, REL));
    await startPump(p);
    out = await tap(p.vh.url, 'xflow_public');
    victim = (await p.status())[0]!.pids[0]!;
    await publishAll(p.vh.url, 'xsarra', [await noticeOf(p.src, REL, p.p1.url)]);
    // kill once a good part (but not all) of the file is on disk
    partialSeen = await until(p, 'a partial download on disk', async () => {
      for (const f of await listTree(join(p.docroot, 'big'))) {
        const size = (await stat(join(p.docroot, 'big', f)).catch(() => ({ size: 0 }))).size;
        if (size > SIZE / 8) return size;
      }
      return 0;
    }, 60_000, 100);
    kill9(victim);
    await until(p, 'the instance gone', async () => !(await isAlive(victim)), 10_000, 100);
    await p.srOk(['sanity']);
    await until(p, 'the whole file delivered', async () => (await p.status())[0]!.transferredFiles >= 1, 90_000, 1000);
    await drain(p, { timeoutMs: 60_000 });
  });
  after(async () => { await out?.close(); await p?.cleanup(); });

  test('sanity restarted the killed instance', async () => {
    const s = (await p.status())[0]!;
    assert.ok(partialSeen > 0 && partialSeen < SIZE, `killed mid-download at ${partialSeen} bytes`);
    assert.equal(s.running, 1);
    assert.ok(!s.pids.includes(victim));
  });

  test('one whole file with the right checksum, no temporary leftovers', async () => {
    assert.deepEqual(await listTree(p.docroot), [REL], 'only the final file in DOCROOT');
    assert.equal((await stat(join(p.docroot, REL))).size, SIZE);
    assert.equal(await sha512File(join(p.docroot, REL)), sum);
  });

  test('announced downstream once, with the right checksum', () => {
    const ns = out.messages.map((m) => m.decoded!.notice);
    assert.equal(ns.length, 1, `announcements: ${ns.map((n) => n.relPath).join(' ')}`);
    assert.equal(base64ToHex(ns[0]!.identity!.value), sum);
  });
});
