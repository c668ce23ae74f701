// Starts, stops and repairs instance processes of configurations (sr start / stop / sanity).
import { access } from 'node:fs/promises';
import { describeError, hostEnv, type Env } from '@sarra/common';
import type { Options } from '@sarra/config';
import { configErrors, oneShot, thresholdsOf, tryLoad } from './configs.js';
import { clearFailure } from './failed.js';
import { disabledFile } from './layout.js';
import { readPids, removePid, writePid } from './pidfiles.js';
import { clearRestarts, countRestart } from './restarts.js';
import { instanceProcesses, isInstance, type InstanceProcess } from './processes.js';
import { alive } from './procfs.js';
import type { ConfigRef } from './select.js';
import { spawnDetached, spawnInstance } from './spawn.js';
import { closeGate, openGate } from './startgate.js';
import { observe } from './status.js';
import { deriveStatus } from './state.js';
import { runConfigHooks } from './plugin-verbs.js';

/** Where the supervisor reports what it does (the CLI prints it). */
export type Say = (line: string) => void;

/** Outcome of a start: pids spawned and configurations refused (with their lint errors). */
export interface StartResult { spawned: { ref: ConfigRef; instance: number; pid: number }[]; refused: { ref: ConfigRef; errors: string[] }[] }

async function isDisabled(ref: ConfigRef, env: Env): Promise<boolean> {
  return access(disabledFile(ref.component, ref.config, env)).then(() => true, () => false);
}

/** Instance numbers 1..N whose process is not running (pid file absent, stale, or naming another program). */
async function notRunning(ref: ConfigRef, expected: number, env: Env): Promise<number[]> {
  const pids = await readPids(ref.component, ref.config, env);
  const up = new Set<number>();
  await Promise.all(pids.map(async (p) => { if (await isInstance(p.pid, ref.component, ref.config, p.instance)) up.add(p.instance); }));
  const out: number[] = [];
  for (let i = 1; i <= expected; i++) if (!up.has(i)) out.push(i);
  return out;
}

/**
 * Starts the missing instances of each configuration, all in parallel, without waiting for any broker.
 * Skips disabled configurations and one-shot posts; refuses a configuration whose lint reports errors.
 * `logStdout` (or the configuration's): the instances write to this process's output instead of their log files.
 */
export async function start(refs: ConfigRef[], env: Env, say: Say, opts: { logStdout?: boolean } = {}): Promise<StartResult> {
  const result: StartResult = { spawned: [], refused: [] };
  // check everything first, spawn last: children starting up would otherwise starve the remaining checks of CPU
  const plans = await Promise.all(refs.map(async (ref): Promise<{ ref: ConfigRef; todo: number[]; logStdout: boolean; env: Env } | undefined> => {
    const name = `${ref.component}/${ref.config}`;
    const { options, errors } = await configErrors(ref, env);
    // statehost: pid, log and state files of this host (sr3), for the checks below and the instances spawned
    const henv = hostEnv(env, options?.statehost ?? false);
    if (await isDisabled(ref, henv)) { say(`${name}: disabled, not started`); return undefined; }
    if (errors.length || !options) { result.refused.push({ ref, errors }); return undefined; }
    if (oneShot(options)) { say(`${name}: one-shot post, run it with: sr post -c ${name} <paths>`); return undefined; }
    const todo = await notRunning(ref, options.instances, henv);
    if (!todo.length) say(`${name}: already running`);
    // a start is the operator's answer to a failure (state fail): the new instances try again
    else await Promise.all([clearFailure(ref.component, ref.config, henv), clearRestarts(ref.component, ref.config, henv)]);
    return { ref, todo, logStdout: options.logStdout || !!opts.logStdout, env: henv };
  }));
  const batch: { ref: ConfigRef; instance: number; pid: number; env: Env }[] = [];
  if (plans.some((p) => p?.todo.length)) {
    await closeGate(env);
    try {
      for (const plan of plans) {
        if (!plan?.todo.length) continue;
        for (const n of plan.todo) {
          const pid = spawnDetached(plan.ref.component, plan.ref.config, n, plan.env, { logStdout: plan.logStdout });
          batch.push({ ref: plan.ref, instance: n, pid, env: plan.env });
        }
      }
      await Promise.all(batch.map((b) => writePid(b.ref.component, b.ref.config, b.instance, b.pid, b.env)));
    } finally {
      await openGate(env);
    }
  }
  result.spawned.push(...batch.map(({ ref, instance, pid }) => ({ ref, instance, pid })));
  for (const plan of plans) {
    if (!plan?.todo.length) continue;
    const pids = batch.filter((b) => b.ref === plan.ref).map((b) => b.pid);
    say(`${plan.ref.component}/${plan.ref.config}: started ${pids.length} instance(s): ${pids.join(' ')}`);
  }
  return result;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try { process.kill(pid, sig); } catch { /* already gone */ }
}

/** The ladder of checks after SIGTERM (s, cumulative 1, 3, 7, 15) before SIGKILL, as sr3. */
const STOP_POLL = [1, 2, 4, 8];

/** Sends SIGTERM to the pids, waits for them (polling 1, 2, 4, 8 s), then SIGKILLs survivors. Returns the killed ones. */
export async function terminate(pids: number[], pollMs = 100): Promise<number[]> {
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_POLL.reduce((a, b) => a + b, 0) * 1000;
  let left = pids;
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, pollMs));
    left = (await Promise.all(left.map(async (p) => ((await alive(p)) ? p : 0)))).filter((p) => p > 0);
  }
  for (const pid of left) signal(pid, 'SIGKILL');
  return left;
}

/** Stops every running instance of the configurations (foreground instance 0 only when `all`), removes their pid files. */
export async function stop(refs: ConfigRef[], base: Env, say: Say, opts: { foreground?: boolean } = {}): Promise<number> {
  let stopped = 0;
  await Promise.all(refs.map(async (ref) => {
    const env = hostEnv(base, (await tryLoad(ref, base)).options?.statehost ?? false);
    await clearFailure(ref.component, ref.config, env);
    const entries = await readPids(ref.component, ref.config, env);
    const targets: typeof entries = [];
    for (const e of entries) {
      const up = await isInstance(e.pid, ref.component, ref.config, e.instance);
      if (!up) { await removePid(ref.component, ref.config, e.instance, e.pid, env); continue; }
      if (e.instance === 0 && !opts.foreground) { say(`${ref.component}/${ref.config}: foreground instance ${e.pid} left running`); continue; }
      targets.push(e);
    }
    if (!targets.length) return;
    const killed = await terminate(targets.map((t) => t.pid));
    await Promise.all(targets.map((t) => removePid(ref.component, ref.config, t.instance, t.pid, env)));
    stopped += targets.length;
    say(`${ref.component}/${ref.config}: stopped ${targets.length} instance(s)${killed.length ? ` (${killed.length} killed)` : ''}`);
  }));
  return stopped;
}

/** Instance processes of this cache tree that belong to no known configuration or have no pid file naming them. */
export async function strays(known: ConfigRef[], env: Env): Promise<InstanceProcess[]> {
  const procs = await instanceProcesses(env);
  const names = new Set(known.map((r) => `${r.component}/${r.config}`));
  const out: InstanceProcess[] = [];
  const pidCache = new Map<string, Set<number>>();
  for (const p of procs) {
    const key = `${p.component}/${p.config}`;
    if (!names.has(key)) { out.push(p); continue; }
    if (!pidCache.has(key)) pidCache.set(key, new Set((await readPids(p.component, p.config, env)).map((e) => e.pid)));
    if (!pidCache.get(key)!.has(p.pid)) out.push(p);
  }
  return out;
}

/**
 * sr sanity (cron): SIGKILL hung instances (log and metrics not written for runStateThreshold_hung), then
 * restart missing instances of configurations that are meant to run (some pid file exists); stopped, disabled and
 * failed (state fail: the broker refused their login) configurations are left alone. Reports strays, then calls each
 * configuration's plugins' onSanity (sr3). Returns the pids spawned.
 */
export async function sanity(refs: ConfigRef[], known: ConfigRef[], env: Env, say: Say): Promise<number[]> {
  const spawned: number[] = [];
  const loaded: (Options | undefined)[] = [];
  await Promise.all(refs.map(async (ref, i) => {
    const name = `${ref.component}/${ref.config}`;
    const { options } = await tryLoad(ref, env);
    loaded[i] = options;
    if (!options || oneShot(options)) return;
    const obs = await observe(ref, env, options);
    // stopped for good (the broker refused it): a restart would be refused alike, until fixed and started again
    if (obs.failed) {
      say(`${name}: not restarted, failed: ${obs.failed.reason}`);
      return;
    }
    if (obs.disabled || obs.pidFiles.filter((p) => p.instance > 0).length === 0) return;
    const st = deriveStatus({ ...obs, thresholds: thresholdsOf(options) }, Date.now());
    if (st.state === 'hung') {
      const hung = obs.pidFiles.filter((p) => p.alive && p.instance > 0);
      say(`${name}: hung (no log or metrics written for ${obs.thresholds.hung}s), killing ${hung.map((p) => p.pid).join(' ')}`);
      for (const p of hung) signal(p.pid, 'SIGKILL');
      await Promise.all(hung.map(async (p) => { while (await alive(p.pid)) await new Promise((r) => setTimeout(r, 50)); }));
    }
    const todo = await notRunning(ref, options.instances, env);
    for (const n of todo) {
      const pid = await spawnInstance(ref.component, ref.config, n, env, { logStdout: options.logStdout });
      spawned.push(pid);
      await countRestart(ref.component, ref.config, n, env);
      say(`${name}: restarted missing instance ${n}: ${pid}`);
    }
  }));
  for (const s of await strays(known, env)) say(`stray: pid ${s.pid} ${s.component}/${s.config} instance ${s.instance}`);
  // sr3: then every selected configuration's on_sanity (running or not), in the selection's order
  for (const o of loaded) {
    if (o) await runConfigHooks(o, 'onSanity', env).catch((err: unknown) => say(`${o.component}/${o.config}: onSanity: ${describeError(err)}`));
  }
  return spawned;
}
