// Flow engine liveness: a stalled transfer holds one slot, never the pass; origins back off; one path, many notices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger, TransientError } from '@sarra/common';
import type { Options } from '@sarra/config';
import { Flow, type FlowParts, type WorkFn } from '../src/engine.js';
import type { FlowMetrics, Gatherer, PostSink, RetryQueue, WorkItem } from '../src/types.js';

function opts(over: Partial<Options> = {}): Options {
  return {
    component: 'subscribe', config: 't', batch: 20, attempts: 3, housekeeping: 300, sleep: 0.01, timeout: 1,
    transferRateMin: 1000, messageCountMax: 0, messageAgeMax: 0, logEvents: new Set<string>(), ...over,
  } as unknown as Options;
}

/** A broker-like source: items pushed by the test are handed out in order; never done. */
class FeedGatherer implements Gatherer {
  readonly name = 'test';
  readonly acks = new Map<WorkItem, number>();
  readonly ackedAt = new Map<string, number>();
  private items: WorkItem[] = [];
  push(...items: WorkItem[]): void { this.items.push(...items); }
  async start(): Promise<void> {}
  async gather(max: number): Promise<WorkItem[]> { return this.items.splice(0, max); }
  async stop(): Promise<void> {}
  item(relPath: string, extra: Partial<WorkItem['notice']> = {}): WorkItem {
    const it: WorkItem = {
      notice: { pubTime: '20240101T000000', baseUrl: 'http://good/', relPath, size: 100, ...extra },
      ack: () => {
        this.acks.set(it, (this.acks.get(it) ?? 0) + 1);
        this.ackedAt.set(relPath, Date.now());
      },
    };
    return it;
  }
  ackCount(it: WorkItem): number { return this.acks.get(it) ?? 0; }
}

class MemQueue implements RetryQueue {
  items: WorkItem[] = [];
  held = 0;
  async open(): Promise<void> {}
  async put(items: WorkItem[]): Promise<void> { for (const it of items) this.items.push({ ...it, ack: undefined }); }
  async get(max: number): Promise<WorkItem[]> { return this.items.splice(0, max); }
  size(): number { return this.items.length; }
  async housekeeping(): Promise<void> {}
  async close(): Promise<void> {}
  hold(items: WorkItem[]): void { this.held += items.length; }
  release(items: WorkItem[]): void { this.held -= items.length; }
}

class MemPoster implements PostSink {
  posted: string[] = [];
  async start(): Promise<void> {}
  async post(items: WorkItem[]): Promise<void> { this.posted.push(...items.map((i) => i.notice.relPath)); }
  async retry(): Promise<void> {}
  pending(): number { return 0; }
  async housekeeping(): Promise<void> {}
  async close(): Promise<void> {}
}

function counters(): FlowMetrics & { c: Map<string, number> } {
  const c = new Map<string, number>();
  return { c, inc: (n, by = 1) => { c.set(n, (c.get(n) ?? 0) + by); }, set: () => {}, lag: () => {}, rejected: () => {}, write: async () => {} };
}

function logger(): { log: Logger; warnings: string[] } {
  const log = Logger.silent();
  const warnings: string[] = [];
  log.warning = (m: string): void => { warnings.push(m); };
  return { log, warnings };
}

function parts(g: Gatherer, over: Partial<FlowParts>): FlowParts {
  return { gatherer: g, work: 'download', hooks: [], logger: Logger.silent(), instance: 1, accept: () => ({ accepted: true }), passWaitMs: 200, stopGraceMs: 100, ...over };
}

/** Never ends unless aborted; rejects with the abort reason, as the download sinks do. */
const hang = (signal: AbortSignal): Promise<void> => new Promise<void>((_r, reject) => {
  signal.addEventListener('abort', () => reject(signal.reason), { once: true });
});

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a stalled transfer holds one slot: the rest of its batch is posted and acked at once, housekeeping stays on time, the stalled one goes to the retry queue at its deadline', async () => {
  const g = new FeedGatherer();
  const slow = g.item('/slow', { baseUrl: 'http://slow/', size: 500 }); // deadline 1 + 0.5 s
  const good = Array.from({ length: 10 }, (_, i) => g.item(`/good/${i}`));
  g.push(slow, ...good);
  const q = new MemQueue();
  const poster = new MemPoster();
  let housekeepings = 0;
  const downloader: WorkFn = async (it, signal) => {
    if (it.notice.relPath === '/slow') await hang(signal);
    else await new Promise((r) => setTimeout(r, 10));
  };
  const ctl = new AbortController();
  const t0 = Date.now();
  const run = new Flow(opts({ housekeeping: 0.2 }), parts(g, {
    downloader, poster, workRetry: q, hooks: [{ name: 'hk', onHousekeeping: () => { housekeepings++; } }],
  })).run(ctl.signal);
  try {
    await until('the good ones acked', () => good.every((it) => g.ackCount(it) === 1));
    const goodDone = Date.now() - t0;
    assert.ok(goodDone < 1000, `the good ones did not wait for the stalled one (${goodDone} ms)`);
    assert.equal(g.ackCount(slow), 0, 'the stalled one is not acked while it runs');
    assert.deepEqual([...poster.posted].sort(), good.map((it) => it.notice.relPath).sort());
    await until('the stalled one in the retry queue', () => q.size() === 1, 4000);
    const slowDone = Date.now() - t0;
    assert.ok(slowDone >= 1400 && slowDone < 3500, `queued at its deadline (${slowDone} ms)`);
    assert.equal(q.items[0]!.notice.relPath, '/slow');
    assert.match(q.items[0]!.reportMessage ?? '', /^deadline exceeded after 1\.5 s: \/slow$/);
    await until('the stalled one acked', () => g.ackCount(slow) === 1, 1000);
    assert.ok(housekeepings >= 4, `housekeeping ran during the stall (${housekeepings} times in ${slowDone} ms)`);
  } finally {
    ctl.abort();
    await run;
  }
  assert.equal(poster.posted.includes('/slow'), false);
  for (const it of [slow, ...good]) assert.equal(g.ackCount(it), 1, it.notice.relPath);
});

test('a transfer carried over past its pass is posted and acked by a later pass; carried-over transfers count against concurrency', async () => {
  const g = new FeedGatherer();
  const long = g.item('/long');
  g.push(long);
  const poster = new MemPoster();
  let inFlight = 0, peak = 0;
  const downloader: WorkFn = async (it) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setTimeout(r, it.notice.relPath === '/long' ? 600 : 20));
    inFlight--;
  };
  const ctl = new AbortController();
  const run = new Flow(opts(), parts(g, { downloader, poster, concurrency: 2, passWaitMs: 50 })).run(ctl.signal);
  try {
    await new Promise((r) => setTimeout(r, 100));
    const later = Array.from({ length: 8 }, (_, i) => g.item(`/later/${i}`));
    g.push(...later);
    await until('the later ones acked', () => later.every((it) => g.ackCount(it) === 1));
    assert.equal(g.ackCount(long), 0, 'still running');
    await until('the long one acked', () => g.ackCount(long) === 1, 2000);
  } finally {
    ctl.abort();
    await run;
  }
  assert.equal(peak, 2, 'never more than `concurrency`, the carried-over one included');
  assert.equal(poster.posted.filter((p) => p === '/long').length, 1);
  assert.equal(poster.posted.length, 9);
});

test('an origin that stalled backs off: its new notices go to the retry queue without a transfer, logged once; other origins go on', async () => {
  const g = new FeedGatherer();
  const first = g.item('/s/0', { baseUrl: 'http://slow:8080/a/', size: 0 }); // deadline 1 s
  g.push(first);
  const q = new MemQueue();
  const { log, warnings } = logger();
  const worked: string[] = [];
  const downloader: WorkFn = async (it, signal) => {
    worked.push(it.notice.relPath);
    if (it.notice.baseUrl.startsWith('http://slow')) await hang(signal);
  };
  const ctl = new AbortController();
  const run = new Flow(opts(), parts(g, { downloader, workRetry: q, logger: log })).run(ctl.signal);
  const more = Array.from({ length: 20 }, (_, i) => g.item(`/s/${i + 1}`, { baseUrl: 'http://slow:8080/b/', size: 0 }));
  const others = Array.from({ length: 5 }, (_, i) => g.item(`/g/${i}`));
  try {
    await until('the first stall queued', () => q.size() === 1, 3000);
    g.push(...more, ...others);
    await until('all acked', () => [...more, ...others].every((it) => g.ackCount(it) === 1));
  } finally {
    ctl.abort();
    await run;
  }
  assert.deepEqual(worked.filter((p) => p.startsWith('/s/')), ['/s/0'], 'no slot for a resting origin');
  assert.deepEqual(worked.filter((p) => p.startsWith('/g/')).sort(), others.map((it) => it.notice.relPath).sort());
  assert.equal(q.size(), 21, 'the stalled one and the deferred ones wait in the retry queue');
  assert.equal(warnings.filter((w) => w.includes('backed off')).length, 1, `logged once: ${warnings.join(' | ')}`);
  assert.match(warnings.find((w) => w.includes('backed off'))!, /^origin http:\/\/slow:8080 backed off 5 s: deadline exceeded after 1 s: \/s\/0/);
});

test('many notices for one path: the newest wins, the others are acked as duplicates (304), nothing in the retry queue', async () => {
  const g = new FeedGatherer();
  const stamp = (i: number): string => `20240101T01${String(Math.floor(i / 60)).padStart(2, '0')}${String(i % 60).padStart(2, '0')}.5`;
  const all = Array.from({ length: 500 }, (_, i) => g.item('/one/path', { pubTime: stamp(i) }));
  const q = new MemQueue();
  const poster = new MemPoster();
  const m = counters();
  const worked: WorkItem[] = [];
  const downloader: WorkFn = async (it) => { worked.push(it); await new Promise((r) => setTimeout(r, 30)); };
  const ctl = new AbortController();
  const run = new Flow(opts({ batch: 50 }), parts(g, { downloader, poster, workRetry: q, metrics: m })).run(ctl.signal);
  try {
    // they arrive over time, as from a busy publisher
    for (let i = 0; i < all.length; i += 25) {
      g.push(...all.slice(i, i + 25));
      await new Promise((r) => setTimeout(r, 5));
    }
    await until('all acked', () => all.every((it) => g.ackCount(it) === 1), 10_000);
  } finally {
    ctl.abort();
    await run;
  }
  assert.equal(worked.at(-1), all.at(-1), 'the newest notice is the last one done');
  assert.ok(worked.length < 40, `few transfers for 500 notices (${worked.length})`);
  assert.equal(q.size(), 0, 'nothing pushed into the retry queue');
  assert.equal(m.c.get('totals.duplicates'), all.length - worked.length);
  assert.equal(m.c.get('totals.failed') ?? 0, 0);
  const superseded = all.find((it) => !worked.includes(it))!;
  assert.equal(superseded.reportCode, 304);
  assert.equal(superseded.reportMessage, 'superseded by a newer notice for the same path');
  for (const it of all) assert.equal(g.ackCount(it), 1);
});

test('a failed transfer whose path has a newer notice waiting is superseded, not queued for retry', async () => {
  const g = new FeedGatherer();
  const older = g.item('/p', { pubTime: '20240101T000001' });
  const newer = g.item('/p', { pubTime: '20240101T000002' });
  const q = new MemQueue();
  const poster = new MemPoster();
  let release!: () => void;
  const downloader: WorkFn = async (it) => {
    if (it === older) { await new Promise<void>((r) => { release = r; }); throw new TransientError('HTTP 503'); }
  };
  g.push(older);
  const ctl = new AbortController();
  const run = new Flow(opts({ attempts: 1 }), parts(g, { downloader, poster, workRetry: q, passWaitMs: 20 })).run(ctl.signal);
  try {
    await until('older running', () => release !== undefined);
    g.push(newer);
    await new Promise((r) => setTimeout(r, 100));
    release();
    await until('both acked', () => g.ackCount(older) === 1 && g.ackCount(newer) === 1);
  } finally {
    ctl.abort();
    await run;
  }
  assert.equal(q.size(), 0);
  assert.equal(older.reportCode, 304);
  assert.deepEqual(poster.posted, ['/p']);
});

test('totals.failed counts every failed transfer, also those queued for retry', async () => {
  const g = new FeedGatherer();
  const items = [g.item('/f/1'), g.item('/f/2')];
  g.push(...items);
  const q = new MemQueue();
  const m = counters();
  const ctl = new AbortController();
  const run = new Flow(opts({ attempts: 1 }), parts(g, { workRetry: q, metrics: m, downloader: async () => { throw new TransientError('HTTP 503'); } })).run(ctl.signal);
  try {
    await until('both acked', () => items.every((it) => g.ackCount(it) === 1));
  } finally {
    ctl.abort();
    await run;
  }
  assert.ok((m.c.get('totals.failed') ?? 0) >= 2, `failed counted (${m.c.get('totals.failed')})`);
});

test('a stop hands a carried-over transfer back: a broker item unacked, a retried one back in the queue (released)', async () => {
  const g = new FeedGatherer();
  const fresh = g.item('/c/fresh', { size: 1 << 30 });
  g.push(fresh);
  const q = new MemQueue();
  q.items = [{ notice: { pubTime: '20240101T000000', baseUrl: 'http://good/', relPath: '/c/retried', size: 1 << 30 } }];
  const started: string[] = [];
  const downloader: WorkFn = async (it, signal) => { started.push(it.notice.relPath); await hang(signal); };
  const ctl = new AbortController();
  const run = new Flow(opts(), parts(g, { downloader, workRetry: q, passWaitMs: 50 })).run(ctl.signal);
  await until('both running', () => started.length === 2);
  await until('carried over', () => q.held === 1);
  ctl.abort();
  await run;
  assert.equal(g.ackCount(fresh), 0);
  assert.deepEqual(q.items.map((it) => it.notice.relPath), ['/c/retried']);
  assert.equal(q.held, 0);
});

test('when a resting origin is back, one probe goes first, then its deferred notices are retried and done', { timeout: 30_000 }, async () => {
  const g = new FeedGatherer();
  const first = g.item('/b/0', { baseUrl: 'http://flaky/', size: 0 });
  g.push(first);
  const q = new MemQueue();
  const poster = new MemPoster();
  let down = true;
  const downloader: WorkFn = async (it, signal) => {
    if (it.notice.baseUrl === 'http://flaky/' && down) await hang(signal);
  };
  const ctl = new AbortController();
  const run = new Flow(opts(), parts(g, { downloader, poster, workRetry: q })).run(ctl.signal);
  const more = Array.from({ length: 5 }, (_, i) => g.item(`/b/${i + 1}`, { baseUrl: 'http://flaky/', size: 0 }));
  try {
    await until('the first stall queued', () => q.size() === 1, 3000);
    g.push(...more);
    await until('deferred', () => q.size() === 6, 3000);
    down = false;
    await until('all done after the rest', () => poster.posted.length === 6 && q.size() === 0, 25_000);
  } finally {
    ctl.abort();
    await run;
  }
  assert.deepEqual([...poster.posted].sort(), ['/b/0', '/b/1', '/b/2', '/b/3', '/b/4', '/b/5']);
});

test('a carried-over transfer that finishes while a gather waits is acked at once: the gather wait ends early', async () => {
  const g = new FeedGatherer();
  // a broker-like gather: waits up to 5 s for a first message unless its signal ends the wait
  g.gather = async (max: number, signal?: AbortSignal): Promise<WorkItem[]> => {
    const got = (g as unknown as { items: WorkItem[] }).items.splice(0, max);
    if (got.length) return got;
    await new Promise<void>((r) => {
      const t = setTimeout(r, 5000);
      signal?.addEventListener('abort', () => { clearTimeout(t); r(); }, { once: true });
    });
    return [];
  };
  const it = g.item('/w/1');
  g.push(it);
  let doneAt = 0;
  const downloader: WorkFn = async () => { await new Promise((r) => setTimeout(r, 400)); doneAt = Date.now(); };
  const ctl = new AbortController();
  const run = new Flow(opts(), parts(g, { downloader, passWaitMs: 50 })).run(ctl.signal);
  try {
    await until('acked', () => g.ackCount(it) === 1, 3000);
  } finally {
    ctl.abort();
    await run;
  }
  const lag = g.ackedAt.get('/w/1')! - doneAt;
  assert.ok(lag < 300, `acked ${lag} ms after the transfer finished, not after the gather's 5 s`);
});
