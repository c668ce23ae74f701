// ACCEPTANCE check 10: `sr stop; sr start` three times mid-flow: as check 9, and duplicate suppression and the
// retry queues survive the restarts (each file announced by sarra exactly once although A and B both post it).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { midflowChecks, runDisturbed, type MidflowRun } from './lib/midflow.js';

describe('check 10: daemons restarted three times mid-flow', { timeout: 400_000 }, () => {
  let run: MidflowRun;
  before(async () => {
    run = await runDisturbed('restart', async (p) => {
      await p.srOk(['stop'], 60_000);
      await p.srOk(['start'], 60_000);
    });
  });
  after(async () => { await run?.announced.close(); await run?.p.cleanup(); });

  test('duplicate suppression survived the restarts: sarra announced each file exactly once', () => {
    const rels = run.announced.messages.map((m) => m.decoded!.notice.relPath.replace(/^\/+/, ''));
    const counts = new Map<string, number>();
    for (const r of rels) counts.set(r, (counts.get(r) ?? 0) + 1);
    const twice = [...counts].filter(([, n]) => n > 1).map(([r, n]) => `${r} x${n}`);
    assert.deepEqual(twice.slice(0, 10), [], `${twice.length} files announced more than once`);
    assert.equal(counts.size, run.want.length);
  });

  midflowChecks(() => run);
});
