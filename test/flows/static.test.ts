// ACCEPTANCE checks 3, 4, 5 and 8 on one run of topology S: two sources post the sample, sarra dedups and
// re-announces, subscribe/watch/sender/sftp-subscribe/poll/polled-subscribe carry it on; counts from `sr status --json`.
import assert from 'node:assert/strict';
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { base64ToHex } from '@sarra/message';
import { pump, type Pump, type StatusRecord } from './lib/pump.js';
import { drain, until } from './lib/drain.js';
import { inRejectDir, listTree, manifest, manifestDiff, type ManifestEntry } from './lib/manifest.js';
import { startPump } from './lib/start.js';
import { tap, type Tap } from './lib/tap.js';

let p: Pump;
let want: ManifestEntry[];
const taps: Record<string, Tap> = {};
const postOut: Record<string, string> = {};
let rows: StatusRecord[] = [];
let settleError: unknown;
const row = (ref: string): StatusRecord => {
  const r = rows.find((x) => `${x.component}/${x.config}` === ref);
  assert.ok(r, `${ref} in sr status --json`);
  return r;
};
/** The active poll's own vip queue is declared but never read while it holds the vip (reported as a product issue: it fills up until it expires); left out of Q() here. */
const notVipQueue = (name: string): boolean => !/^q_guest\.poll\.[^.]+\.vip\./.test(name);
const sentDepth = (): number => p.sent.split('/').filter(Boolean).length;

describe('topology S, static flow', { timeout: 400_000 }, () => {
  before(async () => {
    p = await pump({ name: 'static' });
    // a second poll of the same tree whose vip is not on this host: it must stay passive
    await p.writeConfig('poll/p2', [`post_broker ${p.broker}`, 'post_exchange xs_tsource_poll', 'post_topicPrefix v03',
      `pollUrl ${p.sftpUrl}/`, `path ${p.sent}`, `post_baseUrl ${p.sftpUrl}/`, 'scheduled_interval 5', 'sleep 1', 'fileAgeMax 0',
      'vip 192.0.2.77', 'reject .*\\.tmp$', 'accept .*']);
    await mkdir(p.sent, { recursive: true });
    want = await manifest(p.src, inRejectDir);
    await startPump(p);
    for (const x of ['xsarra', 'xflow_public', 'xs_tsource', 'xs_tsource_output', 'xs_tsource_poll']) taps[x] = await tap(p.vh.url, x);
    for (const src of ['a', 'b']) {
      const r = await p.srOk(['post', '-c', `post/${src}`, p.src], 120_000);
      postOut[src] = r.stdout + r.stderr;
    }
    try {
      await until(p, 'downloaded_by_sub to hold the whole tree', async () => (await listTree(p.bySub)).length >= want.length, 90_000, 1000);
    } catch (e: unknown) {
      settleError = e; // each test then fails with what it sees
    }
    // the chain ends at recd_by_poll: queues and retry queues empty and no counter moving for longer than a poll interval
    await drain(p, { timeoutMs: 120_000, quietMs: 12_000, queueFilter: notVipQueue }).catch((e: unknown) => { settleError ??= e; });
    rows = await p.status();
  });

  after(async () => {
    for (const t of Object.values(taps)) await t.close();
    await p?.cleanup();
  });

  test('check 3a: sources A and B each post 1,125 and reject 10 (metrics of the one-shot posts)', async () => {
    for (const src of ['a', 'b']) {
      const t = await p.totals('post', src);
      assert.equal(t.posted, 1125, `post/${src} posted`);
      assert.equal(t.rejected, 10, `post/${src} rejected (totals.rejected; rejectedByReason ${JSON.stringify(t.rejectedByReason)})`);
    }
  });

  test('check 3b: sarra received 2,250, suppressed 1,125 duplicates, published 1,125', () => {
    const s = row('sarra/download');
    assert.deepEqual({ received: s.received, duplicates: s.duplicates, posted: s.posted, malformed: s.malformed },
      { received: 2250, duplicates: 1125, posted: 1125, malformed: 0 });
    assert.equal(taps.xflow_public!.messages.length, 1125, 'notifications seen on xflow_public');
  });

  test('check 3c: M(downloaded_by_sub) == M(sample minus reject/); every announced checksum matches the bytes', async () => {
    const got = await manifest(p.bySub);
    assert.ok(JSON.stringify(got) === JSON.stringify(want), manifestDiff(got, want));
    const sums = new Map(want);
    for (const x of ['xsarra', 'xflow_public']) {
      const msgs = taps[x]!.messages;
      assert.ok(msgs.length >= 1125, `${x}: ${msgs.length} notifications`);
      for (const m of msgs) {
        assert.equal(m.error, undefined, `${x}: undecodable notification ${m.error}`);
        const n = m.decoded!.notice;
        assert.equal(n.identity?.method, 'sha512', `${x} ${n.relPath} identity method`);
        assert.equal(base64ToHex(n.identity!.value), sums.get(n.relPath.replace(/^\/+/, '')), `${x} ${n.relPath} checksum`);
      }
    }
    const sub = row('subscribe/amqp');
    assert.equal(sub.transferredFiles, 1125, 'subscribe/amqp downloaded each file once');
    assert.equal((await p.totals('subscribe', 'amqp')).mismatch, 0);
  });

  test('check 4a: watch posted 1,125 files and the sender sent as many', () => {
    assert.equal(row('watch/w').posted, 1125, 'watch/w posted');
    assert.equal(row('sender/s').transferredFiles, 1125, 'sender/s sent');
    assert.equal(row('sender/s').posted, 1125, 'sender/s announced');
  });

  test('check 4b: M(sent) == M(downloaded_by_sub)', async () => {
    const sent = await manifest(p.sent);
    assert.ok(JSON.stringify(sent) === JSON.stringify(want), `sent: ${manifestDiff(sent, want)}`);
  });

  test('check 4b: M(downloaded_by_sftp) == M(sent)', async () => {
    const bySftp = await manifest(p.bySftp);
    assert.ok(JSON.stringify(bySftp) === JSON.stringify(want), `downloaded_by_sftp: ${manifestDiff(bySftp, want)}`);
  });

  test("check 4c: the sender's output is valid v02 naming the sent files with their checksums", async () => {
    const msgs = taps.xs_tsource_output!.messages;
    assert.ok(msgs.length > 0, 'sender output seen');
    const sums = new Map(await manifest(p.sent));
    for (const m of msgs) {
      assert.equal(m.error, undefined, `undecodable sender output: ${m.error}`);
      const d = m.decoded!;
      assert.equal(d.format, 'v02');
      assert.equal(m.contentType, 'text/plain');
      assert.match(m.routingKey, /^v02\.post\./);
      assert.equal(typeof m.headers?.sum, 'string', 'v02 sum header');
      const rel = d.notice.relPath.replace(/^\/+/, '').split('/').slice(sentDepth()).join('/');
      assert.equal(`/${d.notice.relPath.replace(/^\/+/, '')}`, join(p.sent, rel), 'relPath is the remote path');
      assert.equal(base64ToHex(d.notice.identity!.value), sums.get(rel), `${rel} checksum`);
    }
    assert.equal(msgs.length, sums.size, 'one v02 notification per sent file');
  });

  test('check 5a: every file in sent/ is announced once by the poll; M(recd_by_poll) == M(sent)', async () => {
    const sent = await manifest(p.sent);
    assert.ok(sent.length > 0);
    const rels = taps.xs_tsource_poll!.messages.map((m) => m.decoded?.notice.relPath.replace(/^\/+/, ''));
    assert.equal(new Set(rels).size, rels.length, 'no file announced twice');
    assert.deepEqual([...rels].sort(), sent.map(([r]) => join(p.sent, r).slice(1)), 'announced = files in sent/');
    assert.equal(row('poll/p').posted, sent.length, 'poll/p posted');
    const got = await manifest(p.byPoll);
    assert.ok(JSON.stringify(got) === JSON.stringify(sent), manifestDiff(got, sent));
    const polled = row('subscribe/polled');
    assert.equal(polled.running, 5);
    assert.equal(polled.transferredFiles, sent.length, 'subscribe/polled downloaded each once');
  });

  test('check 5b: with two polls and a vip, exactly one is active', async () => {
    assert.equal(row('poll/p2').posted, 0, 'the poll without the vip posted nothing');
    assert.equal(row('poll/p2').running, 1, 'the passive poll runs');
    const noVip = async (cfg: string): Promise<boolean> => access(join(p.home.cacheDir, 'poll', cfg, `poll_${cfg}_001.noVip`)).then(() => true, () => false);
    assert.equal(await noVip('p'), false, 'poll/p holds the vip');
    assert.equal(await noVip('p2'), true, 'poll/p2 marked .noVip');
    assert.ok(row('poll/p').posted > 0, 'the active poll posted');
  });

  test('check 8a: subtopic bindings are visible on the broker', async () => {
    const b = await p.vh.mgmt.bindings(p.vh.vhost);
    const sub = b.filter((x) => x.source === 'xflow_public' && x.destination.startsWith('q_guest.subscribe.amqp.'));
    assert.deepEqual(sub.map((x) => x.routing_key), ['v03.20200105.WXO-DD.#']);
    assert.ok(b.some((x) => x.source === 'xsarra' && x.destination.startsWith('q_guest.sarra.download.') && x.routing_key === 'v03.#'));
  });

  test('check 8b: every rejection is counted once, with its reason', async () => {
    for (const src of ['a', 'b']) {
      const t = await p.totals('post', src);
      assert.equal(t.rejected, 10, `post/${src} totals.rejected`);
      assert.deepEqual(t.rejectedByReason, { '404 no match': 10 }, `post/${src} rejectedByReason`);
    }
  });

  test('check 8b: every rejection is logged once with its reason (logReject on)', async () => {
    const rejects = (await listTree(p.src)).filter(inRejectDir);
    assert.equal(rejects.length, 10);
    const problems: string[] = [];
    for (const src of ['a', 'b']) {
      for (const r of rejects) {
        const lines = postOut[src]!.split('\n').filter((l) => l.includes(r));
        if (lines.length !== 1) problems.push(`post/${src}: ${r} logged ${lines.length} times`);
        else if (!/rejected: 404 \S+/.test(lines[0]!)) problems.push(`post/${src}: no reason in: ${lines[0]}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test('the run drained (queues and retry queues empty)', () => {
    if (settleError) assert.fail(settleError instanceof Error ? settleError.message : String(settleError));
  });
});

