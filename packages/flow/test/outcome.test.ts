// The outcome API (wl.outcome: ok / reject / fail) and settle.ts, the one place items are acked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger, PermanentError, TransientError } from '@sarra/common';
import type { Options } from '@sarra/config';
import { Flow } from '../src/engine.js';
import type { FlowParts } from '../src/flow-parts.js';
import { PostStage } from '../src/post-stage.js';
import { Settle, ackDelivery } from '../src/settle.js';
import { intake } from '../src/intake.js';
import { Outcomes } from '../src/outcome.js';
import { newWorklist, type Worklist, type FlowHook, type FlowMetrics, type Gatherer, type PostSink, type RetryQueue, type WorkItem } from '../src/types.js';

const log = Logger.silent();

/** An item that counts its acks. */
function item(relPath: string, acks: Map<string, number>): WorkItem {
  return { notice: { pubTime: '20240101T000000', baseUrl: 'http://x', relPath }, ack: () => acks.set(relPath, (acks.get(relPath) ?? 0) + 1) };
}

class Counts implements FlowMetrics {
  readonly c = new Map<string, number>();
  readonly reasons: string[] = [];
  inc(name: string, by = 1): void { this.c.set(name, (this.c.get(name) ?? 0) + by); }
  set(): void {}
  lag(): void {}
  rejected(reason: string): void { this.reasons.push(reason); this.inc('totals.rejected'); }
  async write(): Promise<void> {}
}

class MemQueue implements RetryQueue {
  items: WorkItem[] = [];
  readonly puts: string[] = [];
  failPut = false;
  async open(): Promise<void> {}
  async put(items: WorkItem[]): Promise<void> {
    if (this.failPut) throw new Error('disk full');
    // a disk queue keeps a serialised copy: the ack function does not survive
    for (const it of items) this.items.push({ ...it, ack: undefined });
    this.puts.push(...items.map((i) => i.notice.relPath));
  }
  async get(max: number): Promise<WorkItem[]> { return this.items.splice(0, max); }
  size(): number { return this.items.length; }
  async housekeeping(): Promise<void> {}
  async close(): Promise<void> {}
}

class ListGatherer implements Gatherer {
  readonly name = 'test';
  constructor(private items: WorkItem[]) {}
  async start(): Promise<void> {}
  async gather(max: number): Promise<WorkItem[]> { return this.items.splice(0, max); }
  done(): boolean { return this.items.length === 0; }
  async stop(): Promise<void> {}
}

function parts(over: Partial<FlowParts>): FlowParts {
  return { gatherer: new ListGatherer([]), work: 'download', hooks: [], logger: log, instance: 1, accept: () => ({ accepted: true }), ...over };
}

test('an outcome moves the item to its list and out of any other, with its report code and reason', () => {
  const acks = new Map<string, number>();
  const [a, b, c, d, e] = ['/a', '/b', '/c', '/d', '/e'].map((n) => item(n, acks));
  const wl = newWorklist([a!, b!, c!, d!, e!]);
  wl.outcome.reject(a!, 404, 'no match');
  wl.outcome.ok(b!);
  wl.outcome.fail(c!, new TransientError('connection reset'));
  wl.outcome.fail(d!, new PermanentError('gone', { reportCode: 410 }));
  wl.outcome.fail(e!, new PermanentError('path leads out', { reportCode: 422 }));
  assert.deepEqual(wl.incoming, []);
  assert.deepEqual(wl.rejected.map((i) => i.notice.relPath), ['/a', '/e'], 'a 422 failure is a rejection');
  assert.deepEqual(wl.ok, [b]);
  assert.deepEqual(wl.failed.map((i) => i.notice.relPath), ['/c', '/d']);
  assert.deepEqual([a!.reportCode, a!.reportMessage], [404, 'no match']);
  assert.deepEqual([c!.reportCode, c!.reportMessage], [499, 'connection reset']);
  assert.deepEqual([d!.reportCode, e!.reportCode], [410, 422]);
  assert.equal(wl.outcome.isRetryable(c!), true);
  assert.equal(wl.outcome.isRetryable(d!), false);
  // a later decision replaces the earlier one: never in two lists
  wl.outcome.reject(b!, 403, 'forbidden');
  assert.deepEqual(wl.ok, []);
  assert.equal(wl.rejected.filter((i) => i === b).length, 1);
  assert.deepEqual(Object.keys(wl), ['incoming', 'ok', 'rejected', 'failed'], 'outcome is not enumerable');
});

test('a rejection is counted once with its code and reason, acked once, even when settled twice', async () => {
  const acks = new Map<string, number>();
  const m = new Counts();
  const wl = newWorklist([item('/r', acks), item('/dup', acks)]);
  wl.outcome.reject(wl.incoming[0]!, 404, 'no match');
  wl.outcome.reject(wl.incoming[0]!, 304, 'Not modified 1 (nodupe check)');
  const s = new Settle(parts({ metrics: m }), log, () => false);
  await s.rejected(wl.rejected);
  await s.rejected(wl.rejected, true);
  assert.deepEqual(m.reasons, ['404 no match']);
  assert.equal(m.c.get('totals.rejected'), 1);
  assert.equal(m.c.get('totals.duplicates'), 1, 'a 304 counts as a duplicate, not a rejection');
  assert.deepEqual([...acks], [['/r', 1], ['/dup', 1]]);
});

test('a retryable failure goes to the retry queue, then is acked; a permanent one is acked and counted', async () => {
  const acks = new Map<string, number>();
  const q = new MemQueue();
  const m = new Counts();
  const wl = newWorklist();
  const t = item('/t', acks);
  const p = item('/p', acks);
  // the ack must find the item already in the queue
  t.ack = () => { assert.deepEqual(q.puts, ['/t'], 'acked before it was in the retry queue'); acks.set('/t', 1); };
  wl.outcome.fail(t, new TransientError('timeout'));
  wl.outcome.fail(p, new PermanentError('no such file', { reportCode: 404 }));
  await new Settle(parts({ workRetry: q, metrics: m }), log, () => false).failed(wl);
  assert.deepEqual(q.puts, ['/t']);
  assert.ok(t.retrySince);
  assert.deepEqual([...acks].sort(), [['/p', 1], ['/t', 1]]);
  assert.equal(m.c.get('totals.failed'), 2);
});

test('a retryable failure whose retry queue write fails is not acked (the broker redelivers it)', async () => {
  const acks = new Map<string, number>();
  const q = new MemQueue();
  q.failPut = true;
  const wl = newWorklist();
  const t = item('/t', acks);
  wl.outcome.fail(t, new TransientError('timeout'));
  const s = new Settle(parts({ workRetry: q }), log, () => false);
  await s.failed(wl);
  await s.failed(wl);
  assert.equal(acks.size, 0);
});

test('posted items are acked only once their post is confirmed; those neither confirmed nor queued never', async () => {
  const acks = new Map<string, number>();
  let confirm!: () => void;
  const confirmed = new Promise<void>((r) => { confirm = r; });
  const wl = newWorklist();
  const [a, b] = [item('/a', acks), item('/b', acks)];
  wl.outcome.ok(a);
  wl.outcome.ok(b);
  const poster: PostSink = {
    start: async () => {},
    post: async () => { await confirmed; return [b]; },
    retry: async () => {}, pending: () => 0, housekeeping: async () => {}, close: async () => {},
  };
  const p = parts({ poster });
  const after: string[] = [];
  const stage = new PostStage(p, new Settle(p, log, () => false), log, async (entry, w) => {
    if (entry === 'afterPost') after.push(...w.ok.map((i) => i.notice.relPath));
  });
  await stage.post(wl);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(acks.size, 0, 'no ack before the confirm');
  assert.equal(stage.inFlight(), 1);
  confirm();
  await stage.drain();
  assert.deepEqual([...acks], [['/a', 1]]);
  assert.deepEqual(after, ['/a', '/b']);
});

test('a plugin decides through wl.outcome: its rejection is counted and acked once, its failure retried', async () => {
  const acks = new Map<string, number>();
  const items = ['/keep', '/plugin-reject', '/plugin-fail'].map((n) => item(n, acks));
  const q = new MemQueue();
  const m = new Counts();
  const worked: string[] = [];
  const o = { component: 'subscribe', config: 't', batch: 10, attempts: 1, housekeeping: 300, sleep: 0.01, messageCountMax: 0, messageAgeMax: 0 } as unknown as Options;
  const hook = {
    name: 'plugin',
    afterAccept(wl: ReturnType<typeof newWorklist>) {
      for (const it of [...wl.incoming]) if (it.notice.relPath === '/plugin-reject') wl.outcome.reject(it, 403, 'not for us');
    },
    failed: false,
    afterWork(wl: ReturnType<typeof newWorklist>) {
      for (const it of [...wl.ok]) {
        if (it.notice.relPath !== '/plugin-fail' || this.failed) continue;
        this.failed = true;
        wl.outcome.fail(it, new TransientError('plugin says later'));
      }
    },
  };
  const flow = new Flow(o, parts({
    gatherer: new ListGatherer(items), hooks: [hook], metrics: m, workRetry: q,
    downloader: async (it) => { worked.push(it.notice.relPath); },
  }));
  const ctl = new AbortController();
  const run = flow.run(ctl.signal);
  // the failed one is retried from the queue and done the second time
  while (acks.size < 3 || worked.length < 3) await new Promise((r) => setTimeout(r, 10));
  ctl.abort();
  await run;
  assert.deepEqual(worked.sort(), ['/keep', '/plugin-fail', '/plugin-fail']);
  assert.deepEqual(m.reasons, ['403 not for us']);
  assert.deepEqual(q.puts, ['/plugin-fail']);
  assert.equal(q.size(), 0);
  for (const it of items) assert.equal(acks.get(it.notice.relPath), 1, it.notice.relPath);
});

test('a post step that throws leaves its items unacked; a failing post retry is logged, never thrown', async () => {
  const acks = new Map<string, number>();
  const wl = newWorklist();
  wl.outcome.ok(item('/a', acks));
  const lines: string[] = [];
  const logger = Logger.silent();
  logger.error = (m: string): void => { lines.push(m); };
  const poster: PostSink = {
    start: async () => {},
    post: async () => { throw new Error('channel closed'); },
    retry: async () => { throw new Error('queue unreadable'); },
    pending: () => 1, housekeeping: async () => {}, close: async () => {},
  };
  const p = parts({ poster });
  const stage = new PostStage(p, new Settle(p, logger, () => false), logger, async () => {});
  await stage.retry(10);
  await stage.post(wl);
  await stage.drain();
  assert.equal(acks.size, 0);
  assert.ok(lines.some((l) => l.includes('post retry failed: queue unreadable')), lines.join('\n'));
  assert.ok(lines.some((l) => l.includes('post step failed: channel closed')), lines.join('\n'));
});

test('ackDelivery acks a delivery once on its consumer; an ack that throws is logged, not thrown', () => {
  const acked: unknown[] = [];
  const d = { body: Buffer.from('x') } as unknown as Parameters<typeof ackDelivery>[1];
  ackDelivery({ ack: (x) => { acked.push(x); } }, d, log);
  assert.deepEqual(acked, [d]);
  const warned: string[] = [];
  const logger = Logger.silent();
  logger.warning = (m: string): void => { warned.push(m); };
  ackDelivery({ ack: () => { throw new Error('channel gone'); } }, d, logger);
  assert.deepEqual(warned, ['ack failed: channel gone']);
});

test('the ack entry point is told only of the items whose ack went through (an ack that threw is redelivered)', async () => {
  const told: string[] = [];
  const hook: FlowHook = { name: 'acks', ack: (items: WorkItem[]) => { told.push(...items.map((i) => i.notice.relPath)); } };
  const good = { notice: { pubTime: '20261204T100000', baseUrl: 'http://x/', relPath: '/good' }, ack: () => {} };
  const bad = { notice: { pubTime: '20261204T100000', baseUrl: 'http://x/', relPath: '/bad' }, ack: () => { throw new Error('channel gone'); } };
  const wl = newWorklist([good, bad]);
  for (const it of [...wl.incoming]) wl.outcome.reject(it, 404, 'no match');
  await new Settle(parts({ hooks: [hook] }), Logger.silent(), () => false).rejected(wl.rejected);
  assert.deepEqual(told, ['/good']);
});

test('intake rejects each fresh item without searching the lists: work per item does not grow with the batch', () => {
  /** Element reads of the worklist's lists while `n` fresh items (every other one rejected) go through intake. */
  const reads = (n: number): number => {
    let count = 0;
    const counted = (): WorkItem[] => new Proxy<WorkItem[]>([], {
      get(t, k, r) { if (typeof k === 'string' && /^\d+$/.test(k)) count++; return Reflect.get(t, k, r) as unknown; },
    });
    const lists = { incoming: counted(), ok: counted(), rejected: counted(), failed: counted() };
    const wl = Object.defineProperty(lists, 'outcome', { value: new Outcomes(lists) }) as Worklist;
    const fresh = Array.from({ length: n }, (_, i) => item(`/f${i}`, new Map()));
    const accept = (it: WorkItem): { accepted: true } | { accepted: false; code: number; reason: string } =>
      (Number(it.notice.relPath.slice(2)) % 2 ? { accepted: false, code: 404, reason: 'no match' } : { accepted: true });
    intake({} as Options, accept, parts({}), wl, fresh, []);
    assert.equal(wl.rejected.length + wl.incoming.length, n);
    assert.equal(wl.rejected.length, n / 2);
    return count;
  };
  const small = reads(1000), large = reads(10_000);
  assert.ok(large <= small * 12, `10x the items cost ${large / small}x the reads (a search per rejection is ~100x)`);
});
