// The `restarts` count of a configuration: crashed instances sr sanity brought back, per instance, for sr status and /metrics.
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { mkdirp, type Env } from '@sarra/common';
import { restartsFile } from './layout.js';

/** Restarts per instance number; {} when none were counted (or the file is not ours to read). */
export async function readRestarts(component: string, config: string, env: Env = process.env): Promise<Record<number, number>> {
  const text = await readFile(restartsFile(component, config, env), 'utf8').catch(() => '{}');
  const out: Record<number, number> = {};
  try {
    for (const [k, v] of Object.entries(JSON.parse(text) as Record<string, unknown>)) {
      if (/^\d{1,3}$/.test(k) && typeof v === 'number' && Number.isInteger(v) && v > 0) out[Number(k)] = v;
    }
  } catch {
    // a damaged count starts again from nothing rather than stopping sr status
  }
  return out;
}

/** Counts one restart of `instance` (atomically: tmp + rename; sanity handles each configuration once per run). */
export async function countRestart(component: string, config: string, instance: number, env: Env = process.env): Promise<void> {
  const counts = await readRestarts(component, config, env);
  counts[instance] = (counts[instance] ?? 0) + 1;
  const file = restartsFile(component, config, env);
  await mkdirp(dirname(file));
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(counts)}\n`);
  await rename(tmp, file);
}

/** Forgets the counts (sr start of instances that were not running): a fresh start counts from 0. */
export async function clearRestarts(component: string, config: string, env: Env = process.env): Promise<void> {
  await unlink(restartsFile(component, config, env)).catch(() => {});
}
