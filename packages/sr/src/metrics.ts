// Reads the per-instance metrics files (schema in CONTRACTS.md) that `sr status` sums per configuration.
import { readFile, stat } from 'node:fs/promises';
import type { Env } from '@sarra/common';
import { metricsFile } from './layout.js';

/** The parts of an instance metrics file the status reads; every field optional (older or partial writers). */
export interface InstanceMetrics {
  flow?: { transferRxBytes?: number; transferRxFiles?: number; transferTxBytes?: number; transferTxFiles?: number;
    transferRxLast?: number; transferTxLast?: number; cpuTime?: number; last_housekeeping?: number; next_housekeeping?: number };
  'gather.message'?: { rxByteCount?: number; rxGoodCount?: number; rxBadCount?: number; rxLast?: number;
    brokerQueuedMessageCount?: number; connected?: boolean; disconnectCount?: number; disconnectTime?: number;
    /** host:port of the broker node consumed from ('' when not connected) */ brokerNode?: string };
  'post.message'?: { txByteCount?: number; txGoodCount?: number; txBadCount?: number; txLast?: number };
  log?: { lagMax?: number; lagTotal?: number; lagMessageCount?: number; rejectCount?: number;
    /** notices rejected as older than messageAgeMax since the last housekeeping */ tooOldCount?: number };
  retry?: { msgs_in_download_retry?: number; msgs_in_post_retry?: number;
    /** [ms since epoch, messages in both retry queues], one a minute over the last 11 minutes, oldest first */ depthHistory?: unknown };
  totals?: { received?: number; accepted?: number; rejected?: number; rejectedByReason?: Record<string, number>;
    malformed?: number; duplicates?: number; transferredFiles?: number; transferredBytes?: number; posted?: number;
    postFailed?: number; mismatch?: number; failed?: number };
  instance?: { pid?: number; started?: number; updated?: number; queue?: string };
}

/** A metrics file with its modification time (ms since epoch). */
export interface MetricsSample { instance: number; data: InstanceMetrics; mtimeMs: number }

/** Reads one instance's metrics file; undefined when absent or not JSON (a writer mid-rename never leaves half a file). */
export async function readMetrics(component: string, config: string, instance: number, env: Env = process.env): Promise<MetricsSample | undefined> {
  const file = metricsFile(component, config, instance, env);
  try {
    const [text, st] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    return { instance, data: JSON.parse(text) as InstanceMetrics, mtimeMs: st.mtimeMs };
  } catch {
    return undefined;
  }
}

/** A number from a metrics field, 0 when absent or not a finite number. */
export function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
