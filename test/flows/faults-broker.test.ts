// ACCEPTANCE check 9: the broker drops every connection of the pump three times mid-flow (as a restart does):
// every daemon reconnects on its own; trees of checks 3 and 4 equal; no partial file; retry queues empty; Q()==0.
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { closeAllConnections } from '@sarra/testkit/rabbit';
import { midflowChecks, runDisturbed, type MidflowRun } from './lib/midflow.js';
import { until } from './lib/drain.js';

/** The daemons that consume (sarra, two subscribers, the sender): each holds one consumer connection. */
const CONSUMERS = 4;

describe('check 9: broker connections cut three times mid-flow', { timeout: 400_000 }, () => {
  let run: MidflowRun;
  const closed: number[] = [];
  before(async () => {
    run = await runDisturbed('broker', async (p) => {
      // cut only once every consumer is connected again, so each daemon sees all three cuts
      await until(p, `${CONSUMERS} consumer connections`, async () => (await p.vh.mgmt.connections(p.vh.vhost))
        .filter((c) => c.client_properties?.connection_name?.startsWith('sarra-ts consumer')).length >= CONSUMERS, 60_000, 250);
      closed.push(await closeAllConnections(p.vh.vhost));
    });
  });
  after(async () => { await run?.announced.close(); await run?.p.cleanup(); });

  test('three times, every connection of the vhost was closed by the broker', () => {
    assert.equal(closed.length, 3);
    for (const n of closed) assert.ok(n >= 5, `${n} connections closed`);
  });

  test('each daemon saw the disconnections and reconnected on its own (metrics gather.message)', async () => {
    const dir = join(run.p.home.cacheDir, 'metrics');
    for (const f of (await readdir(dir)).filter((x) => /^(sarra|subscribe|sender)_.*_01\.json$/.test(x))) {
      const g = (JSON.parse(await readFile(join(dir, f), 'utf8')) as Record<string, { disconnectCount?: number; connected?: boolean }>)['gather.message'];
      assert.ok((g?.disconnectCount ?? 0) >= 3, `${f}: disconnectCount ${g?.disconnectCount}`);
      assert.equal(g?.connected, true, `${f} connected`);
    }
  });

  midflowChecks(() => run);
});
