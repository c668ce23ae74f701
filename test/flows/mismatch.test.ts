// ACCEPTANCE check 15: notifications whose checksum or size disagree with the served bytes: the false identity is
// never re-announced, no bad data stays at the final path, the mismatch is counted and reported.
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pump, type Pump } from './lib/pump.js';
import { drain, until } from './lib/drain.js';
import { inRejectDir, listTree } from './lib/manifest.js';
import { startPump } from './lib/start.js';
import { noticeOf, publishAll } from './lib/inject.js';
import { tap, type Tap } from './lib/tap.js';
import type { Notice } from '@sarra/message';

const exists = (f: string): Promise<boolean> => access(f).then(() => true, () => false);

describe('check 15: checksum or size mismatch', { timeout: 180_000 }, () => {
  let p: Pump;
  let out: Tap;
  let badSum: Notice, badSize: Notice;
  let good: Notice[];
  before(async () => {
    p = await pump({ name: 'mismatch', configs: ['sarra/download'] });
    await startPump(p);
    out = await tap(p.vh.url, 'xflow_public');
    const rels = (await listTree(p.src)).filter((r) => !inRejectDir(r)).slice(0, 22);
    const ns = await Promise.all(rels.map((r) => noticeOf(p.src, r, p.p1.url)));
    badSum = { ...ns[0]!, identity: { method: 'sha512', value: Buffer.alloc(64, 1).toString('base64') } };
    badSize = { ...ns[1]!, size: (ns[1]!.size ?? 0) + 7 };
    good = ns.slice(2);
    await publishAll(p.vh.url, 'xsarra', [good[0]!, badSum, ...good.slice(1, 10), badSize, ...good.slice(10)]);
    await until(p, 'the good files downloaded', async () => (await p.status())[0]!.transferredFiles >= good.length, 60_000);
    await drain(p, { timeoutMs: 90_000 });
  });
  after(async () => { await out?.close(); await p?.cleanup(); });

  test('the false identity is never re-announced; the good files are', () => {
    const announced = out.messages.map((m) => m.decoded!.notice);
    const rel = (n: Notice): string => n.relPath.replace(/^\/+/, '');
    assert.ok(!announced.some((n) => n.identity?.value === badSum.identity!.value), 'false checksum never re-announced');
    assert.ok(!announced.some((n) => rel(n) === badSize.relPath && n.size === badSize.size), 'false size never re-announced');
    for (const g of good) assert.equal(announced.filter((n) => rel(n) === g.relPath).length, 1, `${g.relPath} announced once`);
  });

  test('no bad data stays at the final path, no temporary leftovers', async () => {
    assert.equal(await exists(join(p.docroot, badSum.relPath)), false, `${badSum.relPath} at its final path`);
    assert.equal(await exists(join(p.docroot, badSize.relPath)), false, `${badSize.relPath} at its final path`);
    const files = await listTree(p.docroot);
    assert.deepEqual(files.filter((f) => f.endsWith('.tmp') || /\.(part|inflight)$/.test(f)), []);
    assert.equal(files.length, good.length);
  });

  test('the mismatch is counted (metrics totals.mismatch) and reported in the log', async () => {
    const t = await p.totals('sarra', 'download');
    assert.equal(t.mismatch, 2, JSON.stringify(t));
    const log = await p.logText('sarra', 'download');
    for (const bad of [badSum, badSize]) {
      assert.ok(log.split('\n').some((l) => l.includes(bad.relPath) && /mismatch|differ|checksum|size/i.test(l) && /ERROR|WARN/.test(l)),
        `a log line reports the mismatch of ${bad.relPath}`);
    }
    const s = (await p.status())[0]!;
    assert.equal(s.retry, 0, 'not left in the retry queue');
  });
});
