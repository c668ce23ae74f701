// How an instance is started bounds its memory (issue 17): node flags and environment from spawn.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { SEMI_SPACE_MB, instanceCommand, instanceEnv, instanceNodeFlags } from '../src/spawn.js';

/** new_space size (MB) of a node started with `flags` after it allocated ~100 MB of short-lived objects. */
function newSpaceAfterChurn(flags: string[]): number {
  const script = "const v8 = require('node:v8'); let keep; for (let i = 0; i < 1e6; i++) keep = { i, s: 'x' + i, a: [i, i] };" +
    " process.stdout.write(String(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576));";
  const r = spawnSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout);
}

test('an instance runs with its young generation bounded: new space stays at two semi-spaces under churn, where node alone grows it', () => {
  const flags = instanceNodeFlags({});
  assert.ok(newSpaceAfterChurn(flags) <= 2 * SEMI_SPACE_MB, 'bounded by the instance flags');
  assert.ok(newSpaceAfterChurn([]) > 2 * SEMI_SPACE_MB, 'node without them grows it (the test can tell the difference)');
});

test('the flags come before the instance entry on its command line', () => {
  const { args } = instanceCommand({});
  const entry = args.findIndex((a) => /instance\.(ts|js)$/.test(a));
  assert.ok(entry > 0);
  assert.ok(args.slice(0, entry).includes(`--max-semi-space-size=${SEMI_SPACE_MB}`));
});

test("a --max-semi-space-size in the caller's NODE_OPTIONS wins: the instance adds none", () => {
  assert.deepEqual(instanceNodeFlags({ NODE_OPTIONS: '--max-semi-space-size=16' }), []);
  assert.ok(!instanceCommand({ NODE_OPTIONS: '--max-semi-space-size=16' }).args.some((a) => a.startsWith('--max-semi-space-size')));
});

test('the thread pool widened, unless the caller set it', () => {
  const env = instanceEnv({ HOME: '/h' });
  assert.equal(env.UV_THREADPOOL_SIZE, '16');
  assert.equal(env.HOME, '/h');
  assert.equal(instanceEnv({ UV_THREADPOOL_SIZE: '4' }).UV_THREADPOOL_SIZE, '4');
});
