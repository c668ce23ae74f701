// Test helpers for child processes: runs the real `sr` CLI (bin/sr.js), waits on processes, ports and conditions, and
// starts and stops the testkit's servers' processes (killed with their descendants if a test process exits early).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import net from 'node:net';
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
  // a pid file listed may be gone by the time it is read (its instance just stopped): it names no pid then
  const pids = await Promise.all(names.filter((n) => n.endsWith('.pid'))
    .map(async (n) => Number((await readFile(join(dir, n), 'utf8').catch(() => '')).trim())));
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
  signal(pid, 'SIGKILL');
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try { process.kill(pid, sig); } catch { /* gone */ }
}

/**
 * Pids of every descendant of `pid`, from /proc parent links, read synchronously (for 'exit' handlers): sshd's and
 * vsftpd's per-connection processes call setsid(), so a process-group kill would miss them.
 */
export function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited while we looked
    }
  }
  const all = [pid];
  for (let i = 0; i < all.length; i++) for (const [c, pp] of parent) if (pp === all[i]) all.push(c);
  return all.slice(1);
}

/**
 * SIGKILLs `pid` and all its descendants, synchronously (for 'exit' handlers). Used when a test process
 * ends without cleanup(): a paused server ignores SIGTERM, and killing only the parent orphans the rest.
 */
export function killTreeSync(pid: number): void {
  for (const p of [pid, ...descendants(pid)]) kill9(p);
}

/** Server processes this test process started ({@link killAtExit}). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) if (c.pid && c.exitCode === null) killTreeSync(c.pid);
});

/**
 * Has `child` (and its descendants) SIGKILLed should this test process exit while it runs, without its cleanup(): a
 * paused server ignores SIGTERM, and killing only the parent orphans the rest. Returns `child`.
 */
export function killAtExit<C extends ChildProcess>(child: C): C {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** A free TCP port on 127.0.0.1 (bound then released; a tiny race is accepted in tests). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Connects once to 127.0.0.1:<port>: undefined when it accepts, else why not. */
export function connectError(port: number): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => { c.destroy(); resolve(undefined); });
    c.once('error', (e) => { c.destroy(); resolve(e); });
  });
}

/** Resolves once 127.0.0.1:<port> accepts a connection; rejects after `ms` or when `child` exits. */
export async function waitForPort(port: number, ms: number, child?: ChildProcess, what = 'server'): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} before listening on ${port}`);
    if (!(await connectError(port))) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends `signal` and waits for the child to exit (SIGKILL after 5 s). */
export async function killAndWait(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(t); resolve(); });
    child.kill(signal);
  });
}

/** Sends `sig` to a server process and every process it forked. */
export async function signalTree(child: ChildProcess, sig: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  for (const p of [child.pid, ...descendants(child.pid)]) signal(p, sig);
}
