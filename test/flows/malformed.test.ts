// ACCEPTANCE check 13: malformed messages among valid ones reach sarra/download: each is acked, counted and
// logged with a reason, the process stays up, and the valid ones around them are processed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pump, type Pump } from './lib/pump.js';
import { drain, until } from './lib/drain.js';
import { inRejectDir, listTree, manifest, manifestDiff } from './lib/manifest.js';
import { startPump } from './lib/start.js';
import { MALFORMED, noticeOf, publishAll, type Outgoing } from './lib/inject.js';

describe('check 13: malformed messages', { timeout: 180_000 }, () => {
  let p: Pump;
  let valid: string[];
  let pidBefore: number[];
  before(async () => {
    p = await pump({ name: 'badmsg', configs: ['sarra/download'],
      // also bind the v02 prefix so the short v02 body reaches the instance
      extra: { 'sarra/download': ['topicPrefix v02.post', 'subtopic #'] } });
    await startPump(p);
    pidBefore = (await p.status())[0]!.pids;
    valid = (await listTree(p.src)).filter((r) => !inRejectDir(r)).slice(0, 40);
    const good = await Promise.all(valid.map((r) => noticeOf(p.src, r, p.p1.url)));
    const mixed: Outgoing[] = [];
    good.forEach((n, i) => {
      mixed.push(n);
      if (i % 5 === 0 && MALFORMED[i / 5]) mixed.push(MALFORMED[i / 5]!.msg);
    });
    await publishAll(p.vh.url, 'xsarra', mixed);
    await until(p, 'the valid files downloaded', async () => (await listTree(p.docroot)).length >= valid.length, 60_000);
    await drain(p, { timeoutMs: 60_000 });
  });
  after(async () => { await p?.cleanup(); });

  test('each malformed message is acked (Q()==0) and counted in sr status', async () => {
    const s = (await p.status())[0]!;
    assert.equal(s.malformed, MALFORMED.length, `malformed count (received ${s.received})`);
    const qs = await p.vh.mgmt.queues(p.vh.vhost);
    for (const q of qs) assert.equal(q.messages_ready + q.messages_unacknowledged, 0, `${q.name} empty`);
  });

  test('each is logged with a reason', async () => {
    const log = await p.logText('sarra', 'download');
    const lines = log.split('\n').filter((l) => /malformed/i.test(l));
    assert.ok(lines.length >= MALFORMED.length, `${lines.length} malformed log lines:\n${lines.join('\n')}`);
    for (const l of lines) assert.match(l, /malformed[^:]*:\s*\S+/i, `a reason in: ${l}`);
  });

  test('the process stays up and the valid messages around them are processed', async () => {
    const s = (await p.status())[0]!;
    assert.equal(s.running, 1);
    assert.deepEqual(s.pids, pidBefore, 'same process');
    assert.equal(s.transferredFiles, valid.length);
    assert.equal(s.posted, valid.length);
    const want = (await manifest(p.src)).filter(([r]) => valid.includes(r));
    const got = await manifest(p.docroot);
    assert.ok(JSON.stringify(got) === JSON.stringify(want), manifestDiff(got, want));
  });
});
