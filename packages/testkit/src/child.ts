// Test helper: runs the real `sr` CLI (bin/sr.js) in a child process, and waits on processes and conditions.
import { spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (where bin/sr.js is). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SR_BIN = join(REPO_ROOT, 'bin', 'sr.js');

export interface CliResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/**
 * Runs `node bin/sr.js <args>` with `env`; resolves when it exits. Kills it (SIGKILL) and rejects after
 * `timeoutMs` (default 60 s). `bin` selects another shim (e.g. 'sr_subscribe.js').
 */
export function runCli(args: string[], env: Record<string, string | undefined>, opts: { timeoutMs?: number; bin?: string; cwd?: string } = {}): Promise<CliResult> {
  const bin = opts.bin ? join(REPO_ROOT, 'bin', opts.bin) : SR_BIN;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: env as NodeJS.ProcessEnv, cwd: opts.cwd ?? REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sr ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 60_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
  });
}

/** Polls `cond` every `intervalMs` until it returns a truthy value (returned) or `timeoutMs` passes (throws naming `what`). */
export async function waitFor<T>(cond: () => Promise<T> | T, opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let last: T;
  for (;;) {
    last = await cond();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${opts.timeoutMs ?? 30_000} ms waiting for ${opts.what ?? 'condition'}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
}

/** True when the process exists and is not a zombie. */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Pids named by the pid files of a configuration under `cacheDir` (`<cacheDir>/<component>/<config>/*.pid`). */
export async function pidFilePids(cacheDir: string, component: string, config: string): Promise<number[]> {
  const dir = join(cacheDir, component, config);
  const names = await readdir(dir).catch(() => [] as string[]);
  const pids = await Promise.all(names.filter((n) => n.endsWith('.pid')).map(async (n) => Number((await readFile(join(dir, n), 'utf8')).trim())));
  return pids.filter((p) => p > 0).sort((a, b) => a - b);
}

/** Live processes running the instance entry for `component config` whose environment has this HOME. */
export async function instancePids(home: string, component: string, config: string): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    try {
      const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
      const i = argv.findIndex((a) => /sr\/(src|dist)\/instance\.(ts|js)$/.test(a));
      if (i < 0 || argv[i + 1] !== component || argv[i + 2] !== config) continue;
      const env = await readFile(`/proc/${pid}/environ`, 'utf8');
      if (!env.split('\0').includes(`HOME=${home}`)) continue;
      if (await isAlive(pid)) out.push(pid);
    } catch { /* gone */ }
  }
  return out.sort((a, b) => a - b);
}

/** SIGKILLs a process, ignoring one already gone. */
export function kill9(pid: number): void {
  try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
}
