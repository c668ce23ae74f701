// ACCEPTANCE check 11: the HTTP origin is down (answers 503 on its port) while 1,125 files are announced: nothing
// appears at final paths, sarra/download stays up and its retries back off; once nginx is back, everything arrives
// once and the retry queue empties.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { pump, type Pump } from './lib/pump.js';
import { drain, until } from './lib/drain.js';
import { inRejectDir, listTree, manifest, manifestDiff } from './lib/manifest.js';
import { startPump } from './lib/start.js';
import { tap, type Tap } from './lib/tap.js';

const OUTAGE_MS = 20_000;

describe('check 11: HTTP origin down, then up', { timeout: 240_000 }, () => {
  let p: Pump;
  let out: Tap;
  const hits: { path: string; t: number }[] = [];
  let duringOutage: { files: string[]; running: number; pids: number[]; retry: number };
  let pidBefore: number[];

  before(async () => {
    p = await pump({ name: 'origin', configs: ['post/a', 'sarra/download'], sshd: false });
    await startPump(p);
    pidBefore = (await p.status()).find((r) => r.component === 'sarra')!.pids;
    out = await tap(p.vh.url, 'xflow_public');
    // the origin goes down: nginx stops and its port answers 503 to every request (counted per path)
    await p.p1.stop();
    const t0 = Date.now();
    const down = http.createServer((req, res) => {
      hits.push({ path: req.url ?? '', t: Date.now() - t0 });
      res.writeHead(503, { connection: 'close' }).end('down for maintenance\n');
    });
    await new Promise<void>((r) => down.listen(p.p1.port, '127.0.0.1', r));
    try {
      await p.srOk(['post', '-c', 'post/a', p.src], 120_000);
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      const st = (await p.status()).find((r) => r.component === 'sarra')!;
      duringOutage = { files: (await listTree(p.docroot)), running: st.running, pids: st.pids, retry: st.retry };
    } finally {
      await new Promise<void>((r) => { down.close(() => r()); down.closeAllConnections(); });
    }
    await p.p1.start();
    await until(p, 'every file delivered after the outage', async () => (await listTree(p.docroot)).length >= 1125, 120_000, 1000);
    await drain(p, { timeoutMs: 90_000 });
  });
  after(async () => { await out?.close(); await p?.cleanup(); });

  test('while down: nothing at final paths, the process stays up, retries are queued', () => {
    assert.deepEqual(duringOutage.files, [], 'no file (final or temporary) in DOCROOT while the origin is down');
    assert.equal(duringOutage.running, 1);
    assert.deepEqual(duringOutage.pids, pidBefore, 'same process');
    assert.ok(duringOutage.retry > 0, `retry queue holds the failures (${duringOutage.retry})`);
    assert.ok(hits.length >= 1125, `each file was tried (${hits.length} requests)`);
  });

  test('while down: retries back off (fewer requests as the outage goes on, no file hammered)', () => {
    const half = OUTAGE_MS / 2;
    // the first pass fetches each file once; after it, what is left are retries
    const firstPassEnd = hits[1124]!.t;
    const retries = hits.slice(1125);
    const early = retries.filter((h) => h.t <= firstPassEnd + half / 2).length;
    const late = retries.filter((h) => h.t > OUTAGE_MS - half / 2).length;
    // per file: attempts within 1 s form one round (the in-pass `attempts`); rounds must spread out
    const times = new Map<string, number[]>();
    for (const h of hits) times.set(h.path, [...(times.get(h.path) ?? []), h.t]);
    let worst = '';
    for (const [path, ts] of times) {
      const rounds = ts.filter((t, i) => i === 0 || t - ts[i - 1]! > 1000);
      const gaps = rounds.slice(1).map((t, i) => t - rounds[i]!);
      if (rounds.length > 6) worst ||= `${path}: ${rounds.length} retry rounds in ${OUTAGE_MS / 1000} s (${ts.join(' ')})`;
      if (gaps.length >= 2 && gaps[gaps.length - 1]! < gaps[0]!) worst ||= `${path}: retry gaps shrink ${gaps.join(' ')} ms`;
    }
    assert.equal(worst, '', worst);
    assert.ok(late <= early, `retry requests did not slow down: ${early} in the first ${half / 2000} s after the first pass, ${late} in the last ${half / 2000} s`);
  });

  test('when up: everything arrives once and the retry queue empties', async () => {
    const want = await manifest(p.src, inRejectDir);
    const got = await manifest(p.docroot);
    assert.ok(JSON.stringify(got) === JSON.stringify(want), manifestDiff(got, want));
    const st = (await p.status()).find((r) => r.component === 'sarra')!;
    assert.equal(st.retry, 0);
    assert.equal(st.posted, 1125, 'announced once each');
    const rels = out.messages.map((m) => m.decoded!.notice.relPath);
    assert.equal(new Set(rels).size, rels.length, 'no file announced twice');
    assert.equal(rels.length, 1125);
  });
});
