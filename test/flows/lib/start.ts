// Flow-test helper: bring a pump up the way an operator does (sr declare, sr start) and wait until every
// daemon runs and every consumer queue has its consumers, so nothing posted afterwards is lost.
import type { Pump } from './pump.js';
import { until } from './drain.js';

/** `sr declare` then `sr start` (all configurations, or `refs`); waits for the instances and consumers. */
export async function startPump(p: Pump, refs: string[] = []): Promise<void> {
  await p.srOk(['declare', ...refs]);
  await p.srOk(['start', ...refs]);
  await waitRunning(p);
}

/** Waits until every daemon configuration runs all its instances and each consumer queue has as many consumers. */
export async function waitRunning(p: Pump, timeoutMs = 30_000): Promise<void> {
  await until(p, 'every instance running and consuming', async () => {
    const rows = (await p.status()).filter((r) => r.component !== 'post');
    if (rows.some((r) => r.state === 'disa')) return false;
    if (rows.some((r) => r.running !== r.expected)) return false;
    const qs = await p.vh.mgmt.queues(p.vh.vhost);
    for (const r of rows) {
      if (!['subscribe', 'sarra', 'sender', 'shovel', 'winnow', 'report'].includes(r.component)) continue;
      const q = qs.find((x) => x.name.startsWith(`q_guest.${r.component}.${r.config}.`));
      if (!q || q.consumers < r.expected) return false;
    }
    return true;
  }, timeoutMs);
}
