// test: alone (restarts the shared RabbitMQ)
// ACCEPTANCE check 9: RabbitMQ stopped and started three times mid-flow (`rabbitmqctl stop_app` / `start_app`):
// every daemon reconnects on its own; trees of checks 3 and 4 equal; no partial file; retry queues empty; Q()==0.
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { restartBroker } from '@sarra/testkit/rabbit';
import { midflowChecks, runDisturbed, type MidflowRun } from './lib/midflow.js';
import { until } from './lib/drain.js';

/** The daemons that consume (sarra, two subscribers, the sender): each holds one consumer connection. */
const CONSUMERS = 4;

describe('check 9: RabbitMQ stopped and started three times mid-flow', { timeout: 400_000 }, () => {
  let run: MidflowRun;
  const seen: number[] = [];
  before(async () => {
    run = await runDisturbed('broker', async (p) => {
      // restart only once every consumer is connected again, so each daemon sees all three restarts
      const consumers = async (): Promise<number> => (await p.vh.mgmt.connections(p.vh.vhost).catch(() => []))
        .filter((c) => c.client_properties?.connection_name?.startsWith('sarra-ts consumer')).length;
      seen.push(await until(p, `${CONSUMERS} consumer connections`, async () => ((await consumers()) >= CONSUMERS ? consumers() : 0), 90_000, 250));
      await restartBroker();
    });
  });
  after(async () => { await run?.announced.close(); await run?.p.cleanup(); });

  test('three times, the broker was restarted while every consumer was connected', () => {
    assert.equal(seen.length, 3);
    for (const n of seen) assert.ok(n >= CONSUMERS, `${n} consumer connections before a restart`);
  });

  test('each daemon saw the disconnections and reconnected on its own (metrics gather.message)', async () => {
    const dir = join(run.p.home.cacheDir, 'metrics');
    const files = (await readdir(dir)).filter((x) => /^(sarra|subscribe|sender)_.*_01\.json$/.test(x));
    assert.equal(files.length, CONSUMERS, files.join(' '));
    const gather = async (f: string): Promise<{ disconnectCount?: number; connected?: boolean } | undefined> =>
      (JSON.parse(await readFile(join(dir, f), 'utf8')) as Record<string, { disconnectCount?: number; connected?: boolean }>)['gather.message'];
    // a daemon with nothing left to do may still be in its reconnect back-off when the flow has drained; its
    // metrics say connected within a second of the reconnect
    let down: string[] = [];
    await until(run.p, 'every consumer connected again in its metrics', async () => {
      down = [];
      for (const f of files) if ((await gather(f))?.connected !== true) down.push(f);
      return down.length === 0;
    }, 90_000, 250).catch((e: unknown) => assert.fail(`not connected: ${down.join(' ')}\n${(e as Error).message}`));
    for (const f of files) {
      const g = await gather(f);
      assert.ok((g?.disconnectCount ?? 0) >= 3, `${f}: disconnectCount ${g?.disconnectCount}`);
      assert.equal(g?.connected, true, `${f} connected`);
    }
  });

  midflowChecks(() => run);
});
