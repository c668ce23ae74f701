// ACCEPTANCE check 7: two upstreams post the same 1,125 files; winnow/w publishes each exactly once; changed
// content at the same path passes again (and unchanged content posted again does not).
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { base64ToHex } from '@sarra/message';
import { pump, type Pump } from './lib/pump.js';
import { drain } from './lib/drain.js';
import { inRejectDir, listTree, manifest, sha512File } from './lib/manifest.js';
import { startPump } from './lib/start.js';
import { tap, type Tap } from './lib/tap.js';

describe('check 7: winnow', { timeout: 240_000 }, () => {
  let p: Pump;
  let out: Tap;
  const status = async (): Promise<{ received: number; duplicates: number; posted: number }> =>
    (await p.status()).find((r) => r.component === 'winnow')!;

  before(async () => {
    p = await pump({ name: 'winnow', configs: ['post/a', 'post/b'], sshd: false });
    await p.writeConfig('winnow/w', ['logLevel info', `broker ${p.broker}`, 'exchange xsarra', 'topicPrefix v03', 'subtopic #',
      'expire 10m', `post_broker ${p.broker}`, 'post_exchange xwinnowed', 'nodupe_ttl 600', 'accept .*']);
    await startPump(p);
    out = await tap(p.vh.url, 'xwinnowed');
    await p.srOk(['post', '-c', 'post/a', p.src], 120_000);
    await p.srOk(['post', '-c', 'post/b', p.src], 120_000);
    await drain(p, { timeoutMs: 90_000 });
  });
  after(async () => { await out?.close(); await p?.cleanup(); });

  test('each of the 1,125 files is published exactly once', async () => {
    const files = (await manifest(p.src, inRejectDir)).map(([r]) => r);
    assert.equal(files.length, 1125);
    const s = await status();
    assert.deepEqual({ received: s.received, duplicates: s.duplicates, posted: s.posted }, { received: 2250, duplicates: 1125, posted: 1125 });
    const rels = out.messages.map((m) => m.decoded!.notice.relPath.replace(/^\/+/, '')).sort();
    assert.deepEqual(rels, files, 'xwinnowed carries each file once');
  });

  test('changed content at the same path passes again; unchanged content does not', async () => {
    const rel = (await listTree(p.src)).filter((r) => !inRejectDir(r))[0]!;
    const before = out.messages.length;
    await p.srOk(['post', '-c', 'post/a', join(p.src, rel)]); // unchanged: a duplicate
    await writeFile(join(p.src, rel), `changed content ${Date.now()}\n`);
    await p.srOk(['post', '-c', 'post/b', join(p.src, rel)]); // changed: passes
    await drain(p, { timeoutMs: 60_000 });
    const fresh = out.messages.slice(before).map((m) => m.decoded!.notice);
    assert.equal(fresh.length, 1, `one new publication, got ${fresh.map((n) => n.relPath).join(' ')}`);
    assert.equal(fresh[0]!.relPath.replace(/^\/+/, ''), rel);
    assert.equal(base64ToHex(fresh[0]!.identity!.value), await sha512File(join(p.src, rel)), 'with the new checksum');
    const s = await status();
    assert.equal(s.posted, 1126);
    assert.equal(s.duplicates, 1126);
  });
});
