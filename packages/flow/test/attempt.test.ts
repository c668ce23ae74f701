// One item's tries: the whole-transfer deadline (timeout + size / transferRateMin), stop versus deadline, stalls end the tries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger, PermanentError, TransientError } from '@sarra/common';
import type { Options } from '@sarra/config';
import { attempt, deadlineMs, fetches, type WorkFn } from '../src/attempt.js';
import type { WorkItem } from '../src/types.js';

function opts(over: Partial<Options> = {}): Options {
  return { attempts: 3, timeout: 1, transferRateMin: 1024, ...over } as unknown as Options;
}

function item(extra: Partial<WorkItem['notice']> = {}): WorkItem {
  return { notice: { pubTime: '20240101T000000', baseUrl: 'http://x/', relPath: '/d/f', size: 512, identity: { method: 'sha512', value: 'x' }, ...extra } };
}

/** A transfer that never ends unless its signal aborts (rejecting with the reason, as the download sinks do). */
const hang: WorkFn = (_it, signal) => new Promise<void>((_r, reject) => {
  signal.addEventListener('abort', () => reject(signal.reason), { once: true });
});

test('deadlineMs: timeout + size / transferRateMin; none without a size, a rate, or a fetch', () => {
  assert.equal(deadlineMs(opts({ timeout: 300, transferRateMin: 1024 }), item({ size: 1024 * 1024 })), (300 + 1024) * 1000);
  assert.equal(deadlineMs(opts({ timeout: 0 }), item({ size: 0 })), 300_000, 'timeout 0 falls back to the drivers\' 300 s');
  assert.equal(deadlineMs(opts({ transferRateMin: 0 }), item()), undefined);
  assert.equal(deadlineMs(opts(), item({ size: undefined })), undefined);
  assert.equal(deadlineMs(opts(), item({ identity: undefined, fileOp: { remove: '' } })), undefined);
  assert.equal(fetches(item({ content: { encoding: 'utf-8', value: 'x' } })), false);
  assert.equal(fetches(item({ fileOp: { rename: '/old' } })), true, 'a rename that carries the file fetches it');
});

test('a transfer past its deadline is aborted with ERR_DEADLINE and queued for retry at once (no second try)', async () => {
  const it = item({ size: 512 }); // 1 s + 0.5 s
  let tries = 0;
  let reason: unknown;
  const fn: WorkFn = (x, signal) => { tries++; return hang(x, signal).catch((e: unknown) => { reason = e; throw e; }); };
  const t0 = Date.now();
  const r = await attempt(opts(), it, fn, new AbortController().signal, Logger.silent());
  const took = Date.now() - t0;
  assert.equal(r.outcome, 'retry');
  assert.equal(tries, 1);
  assert.ok(took >= 1400 && took < 3000, `aborted at its deadline (${took} ms)`);
  assert.equal((reason as TransientError).code, 'ERR_DEADLINE', 'the transfer saw the deadline as its abort reason');
  assert.equal(it.reportCode, 499);
  assert.equal(it.reportMessage, 'deadline exceeded after 1.5 s: /d/f');
  assert.equal(r.stall, 'deadline exceeded after 1.5 s: /d/f');
  assert.equal(it.attempts, 1);
});

test('a stop is not a deadline: the result is aborted (handed back), nothing counted', async () => {
  const it = item({ size: 1 << 30 });
  const stop = new AbortController();
  setTimeout(() => stop.abort(), 30);
  const r = await attempt(opts(), it, hang, stop.signal, Logger.silent());
  assert.equal(r.outcome, 'aborted');
  assert.equal(it.attempts, undefined);
  assert.equal(it.reportCode, undefined);
});

test('a timeout error ends the tries (a stall); other transient errors use every attempt; permanent ones none', async () => {
  let tries = 0;
  const timeout: WorkFn = async () => { tries++; throw new TransientError('download /d/f', { cause: new TransientError('no data for 1 s', { code: 'ERR_TIMEOUT' }) }); };
  let r = await attempt(opts(), item(), timeout, new AbortController().signal, Logger.silent());
  assert.deepEqual([r.outcome, tries, r.stall], ['retry', 1, 'download /d/f']);
  tries = 0;
  const busy: WorkFn = async () => { tries++; throw new TransientError('HTTP 503'); };
  r = await attempt(opts(), item(), busy, new AbortController().signal, Logger.silent());
  assert.deepEqual([r.outcome, tries, r.stall], ['retry', 3, undefined]);
  tries = 0;
  const gone: WorkFn = async () => { tries++; throw new PermanentError('HTTP 404', { reportCode: 404 }); };
  const it = item();
  r = await attempt(opts(), it, gone, new AbortController().signal, Logger.silent());
  assert.deepEqual([r.outcome, tries, it.reportCode], ['permanent', 1, 404]);
});

test('a transfer that finishes in time is ok with 201', async () => {
  const it = item();
  const r = await attempt(opts(), it, async () => {}, new AbortController().signal, Logger.silent());
  assert.equal(r.outcome, 'ok');
  assert.equal(it.reportCode, 201);
});
