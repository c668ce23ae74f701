// Flow engine: a gatherer's own pace (nextWakeMs) replaces the idle back-off; metrics are current from the connect on, also while idle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger } from '@sarra/common';
import type { Options } from '@sarra/config';
import { Flow, type FlowParts, type PacedGatherer } from '../src/engine.js';
import type { FlowMetrics, Gatherer, WorkItem } from '../src/types.js';

function opts(over: Partial<Options> = {}): Options {
  return {
    component: 'poll', config: 't', batch: 10, attempts: 1, housekeeping: 300, sleep: 30,
    messageCountMax: 0, messageAgeMax: 0, messageRateMax: 0, logEvents: new Set<string>(), ...over,
  } as unknown as Options;
}

/** Never has anything; counts gathers; optionally knows its pace. */
class EmptyGatherer implements PacedGatherer {
  readonly name = 'gather.message';
  gathers = 0;
  connected = false;
  constructor(private readonly paceMs?: number, private readonly waitMs = 0) {}
  async start(): Promise<void> { this.connected = true; }
  async gather(): Promise<WorkItem[]> {
    this.gathers++;
    if (this.waitMs) await new Promise((r) => setTimeout(r, this.waitMs));
    return [];
  }
  nextWakeMs(): number | undefined { return this.paceMs; }
  async stop(): Promise<void> {}
  metrics(): Record<string, boolean | number> { return { connected: this.connected }; }
  isConnected(): boolean { return this.connected; }
}

function parts(g: Gatherer, over: Partial<FlowParts> = {}): FlowParts {
  return { gatherer: g, work: 'none', hooks: [], logger: Logger.silent(), instance: 1, accept: () => ({ accepted: true }), ...over };
}

class RecordingMetrics implements FlowMetrics {
  values = new Map<string, unknown>();
  writes: { at: number; connected: unknown }[] = [];
  inc(): void {}
  set(k: string, v: unknown): void { this.values.set(k, v); }
  lag(): void {}
  rejected(): void {}
  async write(): Promise<void> { this.writes.push({ at: Date.now(), connected: this.values.get('gather.message.connected') }); }
}

test('an idle flow sleeps what the gatherer asks (nextWakeMs), not `sleep`', async () => {
  const g = new EmptyGatherer(20);
  await new Flow(opts({ sleep: 30 }), parts(g)).run(AbortSignal.timeout(600));
  // with sleep 30 s alone there would be a single gather in 0.6 s
  assert.ok(g.gathers >= 8, `gathered ${g.gathers} times`);
});

test('without a pace from the gatherer, the idle sleep doubles from `sleep` (sr3 back-off)', async () => {
  const g = new EmptyGatherer(undefined);
  await new Flow(opts({ sleep: 0.05 }), parts(g)).run(AbortSignal.timeout(1200));
  // 0.05 + 0.1 + 0.2 + 0.4 + 0.8 > 1.2 s: at most 5 passes (about 24 without the back-off)
  assert.ok(g.gathers >= 2 && g.gathers <= 5, `gathered ${g.gathers} times`);
});

test('the first metrics snapshot, right after connecting, already says connected', async () => {
  const g = new EmptyGatherer(undefined, 300);
  const m = new RecordingMetrics();
  const ctl = new AbortController();
  const t0 = Date.now();
  const run = new Flow(opts({ sleep: 5 }), parts(g, { metrics: m })).run(ctl.signal);
  await new Promise((r) => setTimeout(r, 150));
  assert.ok(m.writes.length >= 1, 'written before the first pass ended');
  assert.equal(m.writes[0]!.connected, true);
  assert.ok(m.writes[0]!.at - t0 < 150);
  ctl.abort();
  await run;
});

test('an idle instance keeps rewriting its metrics, even while a gather waits', async () => {
  // each gather waits 400 ms and the idle sleep is 5 s: only the periodic write can make several
  const g = new EmptyGatherer(undefined, 400);
  const m = new RecordingMetrics();
  await new Flow(opts({ sleep: 5 }), parts(g, { metrics: m, metricsIdleMs: 100, metricsEveryMs: 50 })).run(AbortSignal.timeout(1000));
  const during = m.writes.slice(1, -1); // minus the one at connect and the one at stop
  assert.ok(during.length >= 4, `${during.length} periodic writes in 1 s`);
  assert.ok(g.gathers <= 2, `gathered ${g.gathers} times`);
});

test('a lost and a regained connection reach the metrics at once, not at the next idle rewrite (10 s)', async () => {
  const g = new EmptyGatherer(undefined, 200);
  const m = new RecordingMetrics();
  const ctl = new AbortController();
  const run = new Flow(opts({ sleep: 5 }), parts(g, { metrics: m })).run(ctl.signal);
  /** Waits for a write showing `connected` (fails after 5 s, half the idle rewrite interval). */
  const written = async (connected: boolean): Promise<void> => {
    const t0 = Date.now();
    while (!m.writes.some((w) => w.at >= t0 && w.connected === connected)) {
      assert.ok(Date.now() - t0 < 5000, `connected=${connected} not written within 5 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    await new Promise((r) => setTimeout(r, 300));
    g.connected = false;
    await written(false);
    g.connected = true;
    await written(true);
  } finally {
    ctl.abort();
    await run;
  }
  assert.ok(m.writes.length <= 4, `${m.writes.length} writes: at start, loss, reconnect and stop`);
});
