// retryEmptyBeforeExit (sr3): a one-shot flow (post) whose gather is done exits at once, leaving unconfirmed notices
// in its post retry queue for a later run; with the option it keeps retrying them and exits once the queue drained.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger } from '@sarra/common';
import type { Options } from '@sarra/config';
import { Flow } from '../src/engine.js';
import type { Gatherer, PostSink, WorkItem } from '../src/types.js';

const opts = (over: Record<string, unknown>): Options => ({
  component: 'post', config: 't', batch: 10, housekeeping: 300, sleep: -1, messageCountMax: 0, messageAgeMax: 0, messageRateMax: 0,
  logEvents: new Set<string>(), ...over,
}) as unknown as Options;

class Once implements Gatherer {
  readonly name = 'once';
  private left = true;
  async start(): Promise<void> {}
  async gather(): Promise<WorkItem[]> {
    if (!this.left) return [];
    this.left = false;
    return [{ notice: { pubTime: '20260101T000000', baseUrl: 'file:/', relPath: 'a' } }];
  }
  done(): boolean { return !this.left; }
  async stop(): Promise<void> {}
}

/** A poster whose first publish is not confirmed (one notice in its retry queue); each retry succeeds after `failures` more. */
class FlakyPoster implements PostSink {
  queued = 0;
  retries = 0;
  constructor(private failures: number) {}
  async start(): Promise<void> {}
  async post(items: WorkItem[]): Promise<void> { this.queued += items.length; }
  async retry(): Promise<void> {
    this.retries++;
    if (this.failures-- <= 0) this.queued = 0;
  }
  pending(): number { return this.queued; }
  async housekeeping(): Promise<void> {}
  async close(): Promise<void> {}
}

async function run(o: Options, poster: FlakyPoster): Promise<number> {
  const t0 = Date.now();
  const flow = new Flow(o, { gatherer: new Once(), work: 'none', poster, hooks: [], logger: Logger.silent(), instance: 1, accept: () => ({ accepted: true }) });
  await flow.run(AbortSignal.timeout(20_000));
  return Date.now() - t0;
}

test('without retryEmptyBeforeExit: done once gathered, the unconfirmed notice left queued', async () => {
  const p = new FlakyPoster(2);
  await run(opts({}), p);
  assert.equal(p.pending(), 1);
});

test('with retryEmptyBeforeExit: retries until the post retry queue is empty, then exits', async () => {
  const p = new FlakyPoster(2);
  const ms = await run(opts({ retryEmptyBeforeExit: true }), p);
  assert.equal(p.pending(), 0);
  assert.ok(p.retries >= 3, `retried ${p.retries} times`);
  assert.ok(ms < 15_000, `exited by itself after ${ms} ms`);
});
