// Calls one flow-callback entry point, logging and swallowing its exceptions (sr3 behaviour), counting them.
import type { Logger } from '@sarra/common';
import { describeError } from '@sarra/common';
import type { FlowMetrics } from './types.js';

/**
 * Runs `fn` (one entry point of hook `h`); an exception is logged with the hook's name and entry, counted in
 * `totals.pluginErrors` (the metrics file, cumulative) when `metrics` is given, and swallowed: the flow goes on.
 */
export async function runHook(log: Logger, h: { name: string }, entry: string, fn: () => unknown, metrics?: FlowMetrics): Promise<void> {
  try {
    await fn();
  } catch (err: unknown) {
    log.error(`${h.name}.${entry} failed: ${describeError(err)}`);
    metrics?.inc('totals.pluginErrors');
  }
}
