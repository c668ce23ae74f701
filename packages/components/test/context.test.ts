// afterGrace: a publisher outlives the stop request by a grace period, so the confirms in flight still arrive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { afterGrace } from '../src/context.js';

test('afterGrace aborts `grace` ms after the stop signal, with its reason; not before', async () => {
  const stop = new AbortController();
  const s = afterGrace(stop.signal, 150);
  stop.abort(new Error('SIGTERM'));
  assert.equal(s.aborted, false, 'still open right after the stop request');
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(s.aborted, false);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(s.aborted, true);
  assert.equal((s.reason as Error).message, 'SIGTERM');
  const late = afterGrace(AbortSignal.abort(), 10);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(late.aborted, true, 'an already aborted signal still gets its grace, then aborts');
});
