// The periodic maintenance of a flow: duplicate cache, hooks, retry queues, metrics interval.
import { describeError, type Logger } from '@sarra/common';
import type { FlowParts } from './flow-parts.js';
import { runHook } from './run-hook.js';

/**
 * One housekeeping round at `now` (ms), the next being due at `next`: nodupe's and every hook's onHousekeeping,
 * retry queue consolidation, the interval counters of the metrics reset. Errors are logged, never thrown.
 */
export async function housekeep(p: FlowParts, log: Logger, now: number, next: number): Promise<void> {
  if (p.nodupe?.onHousekeeping) await runHook(log, { name: 'nodupe' }, 'onHousekeeping', () => p.nodupe!.onHousekeeping!());
  for (const h of p.hooks) await runHook(log, h, 'onHousekeeping', () => h.onHousekeeping?.(), p.metrics);
  await p.workRetry?.housekeeping().catch((err: unknown) => log.warning(`retry housekeeping: ${describeError(err)}`));
  await p.poster?.housekeeping().catch((err: unknown) => log.warning(`post retry housekeeping: ${describeError(err)}`));
  p.metrics?.resetInterval?.();
  p.metrics?.set('flow.last_housekeeping', now / 1000);
  p.metrics?.set('flow.next_housekeeping', next / 1000);
}
