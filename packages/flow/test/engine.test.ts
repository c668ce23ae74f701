// Flow engine: every item is acked exactly once on every path, retries are re-injected, a stop hands work back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger, PathEscapeError, PermanentError, TransientError } from '@sarra/common';
import type { Options } from '@sarra/config';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Flow } from '../src/engine.js';
import { Metrics } from '../src/metrics.js';
import type { DupeCheck, FlowParts, WorkFn } from '../src/engine.js';
import type { Gatherer, PostSink, RetryQueue, WorkItem } from '../src/types.js';
import type { Verdict } from '../src/accept.js';

function opts(over: Partial<Options> = {}): Options {
  return {
    component: 'subscribe', config: 't', batch: 10, attempts: 2, housekeeping: 300, sleep: 0.01,
    messageCountMax: 0, messageAgeMax: 0, logEvents: new Set<string>(), ...over,
  } as unknown as Options;
}

/** A finite in-memory source; `done()` once everything was handed out. */
class ListGatherer implements Gatherer {
  readonly name = 'test';
  readonly acks = new Map<string, number>();
  constructor(private items: WorkItem[]) {}
  async start(): Promise<void> {}
  async gather(max: number): Promise<WorkItem[]> { return this.items.splice(0, max); }
  done(): boolean { return this.items.length === 0; }
  async stop(): Promise<void> {}
}

function item(g: ListGatherer, relPath: string): WorkItem {
  return {
    notice: { pubTime: '20240101T000000', baseUrl: 'http://x', relPath },
    ack: () => g.acks.set(relPath, (g.acks.get(relPath) ?? 0) + 1),
  };
}

class MemQueue implements RetryQueue {
  items: WorkItem[] = [];
  failPut = false;
  async open(): Promise<void> {}
  async put(items: WorkItem[]): Promise<void> {
    if (this.failPut) throw new Error('disk full');
    // a disk queue keeps a serialised copy: the ack function does not survive
    for (const it of items) this.items.push({ ...it, ack: undefined });
  }
  async get(max: number): Promise<WorkItem[]> { return this.items.splice(0, max); }
  size(): number { return this.items.length; }
  async housekeeping(): Promise<void> {}
  async close(): Promise<void> {}
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

function parts(g: Gatherer, over: Partial<FlowParts>): FlowParts {
  return { gatherer: g, work: 'download', hooks: [], logger: Logger.silent(), instance: 1, accept: () => ({ accepted: true }), ...over };
}

async function runUntilDone(o: Options, p: FlowParts, ms = 5000): Promise<void> {
  await new Flow(o, p).run(AbortSignal.timeout(ms));
}

test('ok items are worked, posted, then acked exactly once', async () => {
  const g = new ListGatherer([]);
  const names = Array.from({ length: 25 }, (_, i) => `/d/f${i}`);
  const items = names.map((n) => item(g, n));
  (g as unknown as { items: WorkItem[] }).items = items;
  const poster = new MemPoster();
  const worked: string[] = [];
  const downloader: WorkFn = async (it) => { worked.push(it.notice.relPath); };
  await runUntilDone(opts(), parts(g, { downloader, poster }));
  assert.deepEqual([...worked].sort(), [...names].sort());
  assert.deepEqual([...poster.posted].sort(), [...names].sort());
  for (const n of names) assert.equal(g.acks.get(n), 1, n);
});

test('rejected and duplicate items are acked once, never worked, with their report codes', async () => {
  const g = new ListGatherer([]);
  const items = ['/a/keep', '/a/reject', '/a/dup'].map((n) => item(g, n));
  (g as unknown as { items: WorkItem[] }).items = [...items];
  const recorded: string[] = [];
  const nodupe: DupeCheck = {
    isDuplicate: (it) => it.notice.relPath === '/a/dup',
    record: (it) => { recorded.push(it.notice.relPath); },
  };
  const accept = (it: WorkItem): Verdict => (it.notice.relPath.includes('reject') ? { accepted: false, code: 404, reason: 'no match' } : { accepted: true });
  const worked: string[] = [];
  await runUntilDone(opts(), parts(g, { accept, nodupe, downloader: async (it) => { worked.push(it.notice.relPath); } }));
  assert.deepEqual(worked, ['/a/keep']);
  assert.deepEqual(recorded, ['/a/keep'], 'nodupe records only successes');
  assert.equal(items[1]!.reportCode, 404);
  assert.equal(items[2]!.reportCode, 304);
  for (const it of items) assert.equal(g.acks.get(it.notice.relPath), 1);
});

test('each rejection is counted once in the metrics, with its reason; duplicates apart', async () => {
  const g = new ListGatherer([]);
  const names = ['/a/keep', '/a/reject1', '/a/reject2', '/a/dup'];
  (g as unknown as { items: WorkItem[] }).items = names.map((n) => item(g, n));
  const dir = await mkdtemp(join(tmpdir(), 'engine-metrics-'));
  const metrics = new Metrics(join(dir, 'm.json'));
  const nodupe: DupeCheck = { isDuplicate: (it) => it.notice.relPath === '/a/dup', record: () => {} };
  const accept = (it: WorkItem): Verdict => (it.notice.relPath.includes('reject') ? { accepted: false, code: 404, reason: 'no match' } : { accepted: true });
  await runUntilDone(opts(), parts(g, { accept, nodupe, metrics, downloader: async () => {} }));
  const totals = (metrics.snapshot() as { totals: Record<string, unknown> }).totals;
  assert.equal(totals.received, 4);
  assert.equal(totals.rejected, 2);
  assert.equal(totals.duplicates, 1);
  assert.deepEqual(totals.rejectedByReason, { '404 no match': 2 });
  await rm(dir, { recursive: true, force: true });
});

test('a transient failure is tried `attempts` times, queued for retry, then acked', async () => {
  const g = new ListGatherer([]);
  const it = item(g, '/x/fail');
  (g as unknown as { items: WorkItem[] }).items = [it];
  const q = new MemQueue();
  let tries = 0;
  const ctl = new AbortController();
  const downloader: WorkFn = async () => {
    tries++;
    if (tries >= 2) setTimeout(() => ctl.abort(), 20);
    throw new TransientError('server down');
  };
  await new Flow(opts({ attempts: 2 }), parts(g, { downloader, workRetry: q })).run(ctl.signal);
  assert.equal(g.acks.get('/x/fail'), 1);
  assert.ok(tries >= 2);
  assert.ok(q.size() >= 1 || tries > 2, 'the failure is in the retry queue (or being retried)');
});

test('a permanent failure is acked and not retried', async () => {
  const g = new ListGatherer([]);
  const it = item(g, '/x/bad');
  (g as unknown as { items: WorkItem[] }).items = [it];
  const q = new MemQueue();
  let tries = 0;
  await runUntilDone(opts({ attempts: 3 }), parts(g, { workRetry: q, downloader: async () => { tries++; throw new PermanentError('mismatch', { reportCode: 499 }); } }));
  assert.equal(tries, 1);
  assert.equal(q.size(), 0);
  assert.equal(it.reportCode, 499);
  assert.equal(g.acks.get('/x/bad'), 1);
});

test('a path refused at work time (422: it leads out of the tree on disk) is a rejection under its reason, not a failure', async () => {
  const g = new ListGatherer([]);
  (g as unknown as { items: WorkItem[] }).items = [item(g, '/esc/x'), item(g, '/ok')];
  const dir = await mkdtemp(join(tmpdir(), 'engine-refused-'));
  const metrics = new Metrics(join(dir, 'm.json'));
  const q = new MemQueue();
  const poster = new MemPoster();
  const downloader: WorkFn = async (it) => {
    if (it.notice.relPath.startsWith('/esc/')) throw new PathEscapeError('path /d/esc/x: esc is a symlink (follow_symlinks is off)');
  };
  await runUntilDone(opts(), parts(g, { downloader, metrics, workRetry: q, poster }));
  const totals = (metrics.snapshot() as { totals: Record<string, unknown> }).totals;
  assert.deepEqual(totals.rejectedByReason, { '422 no destination': 1 });
  assert.equal(totals.rejected, 1);
  assert.equal(totals.failed, 0);
  assert.equal(q.size(), 0, 'not retried');
  assert.deepEqual(poster.posted, ['/ok'], 'not announced');
  assert.equal(g.acks.get('/esc/x'), 1);
  await rm(dir, { recursive: true, force: true });
});

test('when the retry queue cannot be written, the failed item is not acked (the broker keeps it)', async () => {
  const g = new ListGatherer([]);
  (g as unknown as { items: WorkItem[] }).items = [item(g, '/x/f')];
  const q = new MemQueue();
  q.failPut = true;
  await runUntilDone(opts({ attempts: 1 }), parts(g, { workRetry: q, downloader: async () => { throw new TransientError('down'); } }), 300);
  assert.equal(g.acks.get('/x/f'), undefined);
});

test('retries are re-injected into light passes and succeed once the origin is back', async () => {
  const g = new ListGatherer([]);
  const q = new MemQueue();
  q.items = [{ notice: { pubTime: '20240101T000000', baseUrl: 'http://x', relPath: '/r/1' } }, { notice: { pubTime: '20240101T000000', baseUrl: 'http://x', relPath: '/r/2' } }];
  const poster = new MemPoster();
  const worked: string[] = [];
  await runUntilDone(opts(), parts(g, { workRetry: q, poster, downloader: async (it) => { worked.push(it.notice.relPath); } }));
  assert.deepEqual(worked.sort(), ['/r/1', '/r/2']);
  assert.equal(q.size(), 0);
  assert.deepEqual(poster.posted.sort(), ['/r/1', '/r/2']);
});

test('fresh data first: a full pass of fresh items does not pull retries', async () => {
  const g = new ListGatherer([]);
  const fresh = Array.from({ length: 10 }, (_, i) => item(g, `/f/${i}`));
  (g as unknown as { items: WorkItem[] }).items = [...fresh];
  const q = new MemQueue();
  q.items = [{ notice: { pubTime: '20240101T000000', baseUrl: 'http://x', relPath: '/r/old' } }];
  const order: string[] = [];
  await runUntilDone(opts({ batch: 10 }), parts(g, { workRetry: q, concurrency: 1, downloader: async (it) => { order.push(it.notice.relPath); } }));
  assert.equal(order[order.length - 1], '/r/old');
  assert.equal(order.length, 11);
});

test('a stop hands in-flight transfers back unacked after the grace period', async () => {
  const g = new ListGatherer([]);
  const items = ['/s/1', '/s/2', '/s/3'].map((n) => item(g, n));
  (g as unknown as { items: WorkItem[] }).items = [...items];
  const ctl = new AbortController();
  let started = 0;
  const downloader: WorkFn = (_it, signal) => new Promise<void>((resolve, reject) => {
    started++;
    if (started === 3) setTimeout(() => ctl.abort(), 10);
    signal.addEventListener('abort', () => reject(new TransientError('aborted')), { once: true });
    void resolve;
  });
  const q = new MemQueue();
  await new Flow(opts(), parts(g, { downloader, workRetry: q, stopGraceMs: 30 })).run(ctl.signal);
  for (const it of items) assert.equal(g.acks.get(it.notice.relPath), undefined, `${it.notice.relPath} handed back`);
  assert.equal(q.size(), 0, 'handed-back broker items are not queued for retry');
});

test('a stop lets transfers that finish within the grace period complete and be acked', async () => {
  const g = new ListGatherer([]);
  const it = item(g, '/s/quick');
  (g as unknown as { items: WorkItem[] }).items = [it];
  const ctl = new AbortController();
  const downloader: WorkFn = () => new Promise<void>((resolve) => { setTimeout(() => ctl.abort(), 5); setTimeout(resolve, 40); });
  await new Flow(opts(), parts(g, { downloader, stopGraceMs: 2000 })).run(ctl.signal);
  assert.equal(g.acks.get('/s/quick'), 1);
});

test('work none: items go straight to post and are acked once', async () => {
  const g = new ListGatherer([]);
  const items = ['/n/1', '/n/2'].map((n) => item(g, n));
  (g as unknown as { items: WorkItem[] }).items = [...items];
  const poster = new MemPoster();
  await runUntilDone(opts(), parts(g, { work: 'none', poster }));
  assert.deepEqual(poster.posted, ['/n/1', '/n/2']);
  for (const it of items) assert.equal(g.acks.get(it.notice.relPath), 1);
});

test('hooks can reject in afterAccept; a throwing hook does not stop the flow', async () => {
  const g = new ListGatherer([]);
  const items = ['/h/1', '/h/2'].map((n) => item(g, n));
  (g as unknown as { items: WorkItem[] }).items = [...items];
  const worked: string[] = [];
  const hooks = [
    { name: 'boom', afterWork(): void { throw new Error('plugin bug'); } },
    {
      name: 'drop2',
      afterAccept(wl: { incoming: WorkItem[]; rejected: WorkItem[] }): void {
        const i = wl.incoming.findIndex((x) => x.notice.relPath === '/h/2');
        if (i >= 0) { const [x] = wl.incoming.splice(i, 1); x!.reportCode = 404; wl.rejected.push(x!); }
      },
    },
  ];
  await runUntilDone(opts(), parts(g, { hooks, downloader: async (it) => { worked.push(it.notice.relPath); } }));
  assert.deepEqual(worked, ['/h/1']);
  for (const it of items) assert.equal(g.acks.get(it.notice.relPath), 1);
});

test('concurrency is bounded', async () => {
  const g = new ListGatherer([]);
  (g as unknown as { items: WorkItem[] }).items = Array.from({ length: 40 }, (_, i) => item(g, `/c/${i}`));
  let inFlight = 0, peak = 0;
  const downloader: WorkFn = async () => {
    inFlight++; peak = Math.max(peak, inFlight);
    await new Promise((r) => setTimeout(r, 5));
    inFlight--;
  };
  await runUntilDone(opts({ batch: 40 }), parts(g, { downloader, concurrency: 8 }));
  assert.equal(peak, 8);
});

test('a stop while the gatherer is still connecting is a clean stop', async () => {
  const ctl = new AbortController();
  const g: Gatherer = {
    name: 'slow',
    start: () => new Promise<void>((_r, reject) => ctl.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true })),
    gather: async () => [],
    stop: async () => {},
  };
  setTimeout(() => ctl.abort(), 20);
  await new Flow(opts(), parts(g, {})).run(ctl.signal);
});

test('messageRateMax paces the passes', async () => {
  const g = new ListGatherer([]);
  (g as unknown as { items: WorkItem[] }).items = Array.from({ length: 20 }, (_, i) => item(g, `/r/${i}`));
  const t0 = Date.now();
  await runUntilDone(opts({ batch: 5, messageRateMax: 100 }), parts(g, { downloader: async () => {} }));
  assert.ok(Date.now() - t0 >= 150, `20 items at 100/s take about 200 ms (took ${Date.now() - t0})`);
});

test('housekeeping runs every `housekeeping` seconds: hooks, retry consolidation, nodupe, metrics reset and write', async () => {
  const g: Gatherer = { name: 'idle', start: async () => {}, gather: async () => [], stop: async () => {} };
  let hooks = 0, retries = 0, nodupes = 0, resets = 0, writes = 0;
  const q = new MemQueue();
  q.housekeeping = async () => { retries++; };
  const ctl = new AbortController();
  setTimeout(() => ctl.abort(), 400);
  await new Flow(opts({ housekeeping: 0.1, sleep: 0.02 }), parts(g, {
    hooks: [{ name: 'h', onHousekeeping: () => { hooks++; } }],
    workRetry: q,
    nodupe: { isDuplicate: () => false, record: () => {}, onHousekeeping: () => { nodupes++; } },
    metrics: { inc: () => {}, set: () => {}, lag: () => {}, rejected: () => {}, write: async () => { writes++; }, resetInterval: () => { resets++; } },
  })).run(ctl.signal);
  assert.ok(hooks >= 2 && retries >= 2 && nodupes >= 2 && resets >= 2, `hooks ${hooks} retry ${retries} nodupe ${nodupes} reset ${resets}`);
  assert.ok(writes >= 2, 'metrics written at housekeeping and at stop');
});

test('an item back from the retry queue whose file another copy has done meanwhile is a duplicate, not worked again', async () => {
  const g = new ListGatherer([]);
  const q = new MemQueue();
  q.items = ['/r/done', '/r/todo'].map((relPath) => ({ notice: { pubTime: '20240101T000000', baseUrl: 'http://x', relPath }, retrySince: 1 }));
  const nodupe: DupeCheck = { isDuplicate: () => false, record: () => {}, isRecorded: (it) => it.notice.relPath === '/r/done' };
  const worked: string[] = [];
  const poster = new MemPoster();
  await runUntilDone(opts(), parts(g, { nodupe, poster, workRetry: q, downloader: async (it) => { worked.push(it.notice.relPath); } }));
  assert.deepEqual(worked, ['/r/todo']);
  assert.deepEqual(poster.posted, ['/r/todo'], 'announced once: the other copy already announced /r/done');
  assert.equal(q.size(), 0);
});
