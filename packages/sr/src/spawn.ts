// Launches one detached instance process (`node instance.js <component> <config> <N>`), output to its log file.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SarraError, type Env } from '@sarra/common';
import { logFile } from './layout.js';
import { writePid } from './pidfiles.js';

/**
 * How to start the instance entry: the build without flags, or, when this CLI itself runs from the TypeScript
 * sources (development, bin/_run.js), the sources through the tsx this installation resolves: an absolute URL,
 * because `--import tsx` would be looked up from the instance's working directory (anywhere, for `sr start`).
 */
export function instanceCommand(env: Env = process.env): { execPath: string; args: string[] } {
  const here = import.meta.url;
  const flags = instanceNodeFlags(env);
  if (here.endsWith('.ts')) {
    return { execPath: process.execPath, args: [...flags, '--conditions=source', '--import', import.meta.resolve('tsx'), fileURLToPath(new URL('./instance.ts', here))] };
  }
  return { execPath: process.execPath, args: [...flags, fileURLToPath(new URL('./instance.js', here))] };
}

/**
 * node flags of an instance: the young generation bounded to 2 MB semi-spaces. Under a steady flow of notices V8
 * grows them to its 16 MB default (32 MB of new space, never given back), the largest part of a busy instance's RSS
 * over an idle one. 1 MB promoted notices still in flight (a batch waiting for its confirms) to the old generation,
 * which then filled with them until a full GC: a shovel's peak went back up to ~98 MB. bench/rss.bench.ts, peak RSS:
 * subscribe ~103 -> ~90 MB, shovel ~94-103 -> ~75-80 MB; CPU per notice or file within this machine's noise. A
 * `--max-semi-space-size` in the caller's NODE_OPTIONS wins (node reads NODE_OPTIONS first, then these).
 */
export function instanceNodeFlags(env: Env = process.env): string[] {
  return env.NODE_OPTIONS?.includes('--max-semi-space-size') ? [] : [`--max-semi-space-size=${SEMI_SPACE_MB}`];
}

/** The semi-space bound of instanceNodeFlags, MB. */
export const SEMI_SPACE_MB = 2;

/**
 * The environment of an instance: the caller's, with libuv's thread pool widened (unless set) because
 * the default 4 threads serialise the file-system calls of concurrent small-file transfers.
 * It cannot be set from inside the instance: the pool exists before any of our code runs. glibc's malloc
 * arenas are left as they are: with the young generation bounded, MALLOC_ARENA_MAX=2 or 4 saved 1-3 MB of a
 * subscribe's peak RSS, within run-to-run noise, for more CPU per small file (bench/rss.bench.ts).
 */
export function instanceEnv(env: Env, opts: SpawnOptions = {}): NodeJS.ProcessEnv {
  return { UV_THREADPOOL_SIZE: '16', ...env, ...(opts.logStdout ? { [LOG_STDOUT_ENV]: '1' } : {}) } as NodeJS.ProcessEnv;
}

/** Set in an instance's environment by `sr --logStdout start`: the instance adds `logStdout on` to its configuration. */
export const LOG_STDOUT_ENV = 'SARRA_LOG_STDOUT';

/**
 * Spawns instance `n` of a configuration, detached in its own session with stdout/stderr appended to the
 * instance log (inherited from this process with `logStdout`). Synchronous on purpose: a batch of spawns is not interleaved with anything the children's
 * start-up could starve of CPU. The caller writes the pid file (see spawnInstance). Returns the pid.
 * @throws SarraError ERR_SPAWN when the process could not be created.
 */
export function spawnDetached(component: string, config: string, n: number, env: Env = process.env, opts: SpawnOptions = {}): number {
  let fd: number | undefined;
  if (!opts.logStdout) {
    const log = logFile(component, config, n, env);
    mkdirSync(dirname(log), { recursive: true });
    fd = openSync(log, 'a', 0o600);
  }
  const { execPath, args } = instanceCommand(env);
  try {
    // logStdout (sr3): the instance inherits this process's stdout and stderr, as sr3's launched processes do
    const child = spawn(execPath, [...args, component, config, String(n)], {
      detached: true, stdio: fd === undefined ? ['ignore', 'inherit', 'inherit'] : ['ignore', fd, fd], env: instanceEnv(env, opts),
    });
    child.on('error', () => {});
    child.unref();
    if (child.pid === undefined) throw new SarraError('ERR_SPAWN', `could not spawn ${execPath}`);
    return child.pid;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** How an instance is spawned. */
export interface SpawnOptions {
  /** The configuration's logStdout: output to this process's stdout/stderr instead of the instance log file. */
  logStdout?: boolean;
}

/**
 * Spawns instance `n` and writes its pid file at once (so a second `sr start` racing the child's own
 * start-up sees it). Does not wait for the instance to connect to anything. Returns the pid.
 */
export async function spawnInstance(component: string, config: string, n: number, env: Env = process.env, opts: SpawnOptions = {}): Promise<number> {
  const pid = spawnDetached(component, config, n, env, opts);
  await writePid(component, config, n, pid, env);
  return pid;
}
