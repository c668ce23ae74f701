// Helpers of the benches that run instances as their own processes (as `sr start` does): spawn one, read its RSS.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Env } from '@sarra/common';
import { instanceEnv, instanceNodeFlags } from '../packages/sr/src/spawn.js';

const root = join(import.meta.dirname, '..');

/** MB of a /proc/<pid>/status field: VmRSS (now) or VmHWM (peak since start). */
export async function procMB(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
}

/** CPU time (user + system) a process has used, ms: /proc/<pid>/stat utime and stime (100 ticks/s). */
export async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

let built: boolean | undefined;

/**
 * Builds packages/sr once (tsc -b, as rss.bench.ts does) so instances run as `sr start` runs them; when the build
 * fails (work in progress in the tree), instances run from source through tsx (~40 MB more RSS) and this says so.
 */
export function instanceRuntime(): string {
  if (built === undefined) built = spawnSync('npx', ['tsc', '-b', 'packages/sr'], { cwd: root, encoding: 'utf8' }).status === 0;
  return built ? 'built JS (as sr start runs it)' : 'from source through tsx (the build failed: RSS ~40 MB above sr start\'s)';
}

/** One instance process (instanceRuntime() says which kind) with the supervisor's node flags and environment; `nodeArgs` go to node after them. */
export function spawnInstance(env: Env, component: string, config: string, n = 1, nodeArgs: string[] = []): { child: ChildProcess; exited: Promise<number | null> } {
  instanceRuntime();
  const entry = built ? [join(root, 'packages/sr/dist/instance.js')] : ['--conditions=source', '--import', 'tsx', join(root, 'packages/sr/src/instance.ts')];
  const child = spawn(process.execPath, [...instanceNodeFlags(env), ...nodeArgs, ...entry, component, config, String(n)],
    { env: { ...instanceEnv(env), ...(built ? {} : { SARRA_FROM_SOURCE: '1' }) }, stdio: ['ignore', 'ignore', 'inherit'], cwd: root });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited };
}
