// `sr status`: observes pid files, /proc, metrics and log files of each configuration (no broker round trip).
import { access, readdir, stat } from 'node:fs/promises';
import { hostEnv, stateDir, stateHost, type Env } from '@sarra/common';
import type { Options } from '@sarra/config';
import { oneShot, thresholdsOf, tryLoad } from './configs.js';
import { readFailure } from './failed.js';
import { disabledFile, logFile } from './layout.js';
import { readMetrics, type MetricsSample } from './metrics.js';
import { readPids } from './pidfiles.js';
import { isInstance } from './processes.js';
import { usage, uss, type ProcUsage } from './procfs.js';
import { readRestarts } from './restarts.js';
import type { ConfigRef } from './select.js';
import { deriveStatus, type ConfigStatus, type Observed } from './state.js';

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

/** Gathers what the status of one configuration is derived from; `options` when the caller already loaded them. */
export async function observe(ref: ConfigRef, env: Env = process.env, options?: Options, full = false): Promise<Observed> {
  let o = options, error: string | undefined;
  if (!o) ({ options: o, error } = await tryLoad(ref, env));
  // statehost: this host's files only (each node of a shared home runs its own sr status, as with sr3)
  env = hostEnv(env, o?.statehost ?? false);
  const expected = o?.instances ?? 1;
  const [pidEntries, disabled, failed, restarts, stateFiles] = await Promise.all([readPids(ref.component, ref.config, env),
    exists(disabledFile(ref.component, ref.config, env)), readFailure(ref.component, ref.config, env),
    readRestarts(ref.component, ref.config, env), readdir(stateDir(ref.component, ref.config, env)).catch(() => [] as string[])]);
  const pidFiles = await Promise.all(pidEntries.map(async (p) => ({ instance: p.instance, pid: p.pid,
    alive: await isInstance(p.pid, ref.component, ref.config, p.instance) })));
  const numbers = new Set<number>(pidEntries.map((p) => p.instance));
  for (let i = 1; i <= expected; i++) numbers.add(i);
  // a one-shot post counts what its runs (`sr post`, instance 0) announced
  if (o && oneShot(o)) numbers.add(0);
  const metrics: MetricsSample[] = [];
  let logMtimeMs = 0;
  await Promise.all([...numbers].map(async (n) => {
    const m = await readMetrics(ref.component, ref.config, n, env);
    if (m) metrics.push(m);
    const st = await stat(logFile(ref.component, ref.config, n, env)).catch(() => undefined);
    if (st && pidFiles.some((p) => p.instance === n && p.alive)) logMtimeMs = Math.max(logMtimeMs, st.mtimeMs);
  }));
  const usages = (await Promise.all(pidFiles.filter((p) => p.alive).map(async (p) => {
    const u = await usage(p.pid);
    // unique memory walks the page tables: only for --full
    if (u && full) u.uss = await uss(p.pid);
    return u;
  }))).filter((u): u is ProcUsage => !!u);
  const observed: Observed = { component: ref.component, config: ref.config, expected, disabled,
    housekeeping: o?.housekeeping ?? 300, thresholds: thresholdsOf(o), pidFiles, metrics, logMtimeMs, usage: usages,
    // a poll instance without the vip leaves `<...>.noVip` in the state directory while it stays passive (sr3 alike)
    noVip: stateFiles.some((n) => n.endsWith('.noVip')), restarts, ageLimit: o?.messageAgeMax ?? 0 };
  if (o?.statehost) observed.host = stateHost(env);
  if (error) observed.error = error;
  if (failed) observed.failed = failed;
  return observed;
}

/** Status of each configuration, in the order given; `full` adds unique memory (uss). */
export async function statusOf(refs: ConfigRef[], env: Env = process.env, now = Date.now(), full = false): Promise<ConfigStatus[]> {
  const observed = await Promise.all(refs.map((r) => observe(r, env, undefined, full)));
  return observed.map((o) => deriveStatus(o, now));
}
