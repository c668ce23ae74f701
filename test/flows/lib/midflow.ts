// Flow-test helper for checks 9 and 10: topology S without the poll, disturbed three times while the sample flows.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { test } from 'node:test';
import type { Pump } from './pump.js';
import { pump } from './pump.js';
import { drain, until } from './drain.js';
import { inRejectDir, listTree, manifest, manifestDiff, type ManifestEntry } from './manifest.js';
import { startPump, waitRunning } from './start.js';
import { tap, type Tap } from './tap.js';

const MIDFLOW_CONFIGS = ['post/a', 'post/b', 'sarra/download', 'subscribe/amqp', 'watch/w', 'sender/s', 'subscribe/sftp'];

export interface MidflowRun { p: Pump; want: ManifestEntry[]; announced: Tap; postCodes: number[]; drainError?: unknown }

/**
 * Starts the pump, posts the sample from A, disturbs, posts from B, disturbs twice more a few seconds apart
 * (while sarra/subscribe/sender still work), waits for the flow to settle and drains.
 */
export async function runDisturbed(name: string, disturb: (p: Pump, i: number) => Promise<void>): Promise<MidflowRun> {
  const p = await pump({ name, configs: MIDFLOW_CONFIGS });
  try {
    await mkdir(p.sent, { recursive: true });
    const want = await manifest(p.src, inRejectDir);
    await startPump(p);
    const announced = await tap(p.vh.url, 'xflow_public');
    const postCodes: number[] = [];
    postCodes.push((await p.sr(['post', '-c', 'post/a', p.src], 120_000)).code ?? -1);
    await disturb(p, 1);
    postCodes.push((await p.sr(['post', '-c', 'post/b', p.src], 120_000)).code ?? -1);
    await new Promise((r) => setTimeout(r, 2000));
    await disturb(p, 2);
    await new Promise((r) => setTimeout(r, 4000));
    await disturb(p, 3);
    const run: MidflowRun = { p, want, announced, postCodes };
    try {
      await waitRunning(p, 60_000);
      await until(p, 'downloaded_by_sub complete', async () => (await listTree(p.bySub)).length >= want.length, 120_000, 1000);
      await drain(p, { timeoutMs: 90_000 });
    } catch (e: unknown) {
      run.drainError = e;
    }
    return run;
  } catch (e: unknown) {
    await p.cleanup();
    throw e;
  }
}

/** The assertions shared by checks 9 and 10. */
export function midflowChecks(get: () => MidflowRun): void {
  test('the posts succeeded and every daemon runs and consumes again', async () => {
    const r = get();
    assert.deepEqual(r.postCodes, [0, 0], 'sr post exit codes');
    await waitRunning(r.p, 5_000);
  });

  test('drained: Q()==0 and the retry queues are empty', () => {
    const r = get();
    if (r.drainError) assert.fail(r.drainError instanceof Error ? r.drainError.message : String(r.drainError));
  });

  test('the trees of check 3 are equal: DOCROOT and downloaded_by_sub == sample minus reject/', async () => {
    const r = get();
    for (const d of [r.p.docroot, r.p.bySub]) {
      const got = await manifest(d);
      assert.ok(JSON.stringify(got) === JSON.stringify(r.want), `${d}: ${manifestDiff(got, r.want)}`);
    }
  });

  test('the trees of check 4 are equal: sent == downloaded_by_sub', async () => {
    const r = get();
    const got = await manifest(r.p.sent);
    assert.ok(JSON.stringify(got) === JSON.stringify(r.want), `${r.p.sent}: ${manifestDiff(got, r.want)}`);
  });

  test('the trees of check 4 are equal: downloaded_by_sftp == sent', async () => {
    const r = get();
    for (const d of [r.p.bySftp]) {
      const got = await manifest(d);
      assert.ok(JSON.stringify(got) === JSON.stringify(r.want), `${d}: ${manifestDiff(got, r.want)}`);
    }
  });

  test('no partial file anywhere', async () => {
    const r = get();
    for (const d of [r.p.docroot, r.p.bySub, r.p.sent, r.p.bySftp]) {
      const tmp = (await listTree(d)).filter((f) => /\.tmp$|\.part$|(^|\/)\.[^/]+$/.test(f));
      assert.deepEqual(tmp, [], `temporary files in ${d}`);
    }
  });
}
