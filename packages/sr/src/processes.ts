// Finds sarra-ts instance processes in /proc, and tells which of them belong to the caller's cache tree.
import { cacheDir, type Env } from '@sarra/common';
import { allPids, cmdline, environ } from './procfs.js';

/** A running instance process as seen in the process table. */
export interface InstanceProcess { pid: number; component: string; config: string; instance: number; argv: string[] }

/** The instance entry script is `packages/sr/{src,dist}/instance.{ts,js}`; its three arguments follow it. */
export function parseInstanceArgv(argv: string[]): Omit<InstanceProcess, 'pid'> | undefined {
  const i = argv.findIndex((a) => /(^|\/)sr\/(src|dist)\/instance\.(ts|js)$/.test(a));
  if (i < 0 || argv.length < i + 4) return undefined;
  const instance = Number(argv[i + 3]);
  if (!Number.isInteger(instance)) return undefined;
  return { component: argv[i + 1]!, config: argv[i + 2]!, instance, argv };
}

/** True when `pid` runs an instance entry whose argv names this component, config and instance. */
export async function isInstance(pid: number, component: string, config: string, instance?: number): Promise<boolean> {
  const argv = await cmdline(pid);
  if (!argv) return false;
  const p = parseInstanceArgv(argv);
  if (p) return p.component === component && p.config === config && (instance === undefined || p.instance === instance);
  // a foreground instance (`sr foreground`) runs inside the CLI process: accept any live node process for it
  return instance === 0 && argv.some((a) => a.includes('node'));
}

/** Every instance process whose environment points at the same cache directory as `env` (other HOMEs are not ours). */
export async function instanceProcesses(env: Env = process.env): Promise<InstanceProcess[]> {
  const mine = cacheDir(env);
  const found: InstanceProcess[] = [];
  await Promise.all((await allPids()).map(async (pid) => {
    if (pid === process.pid) return;
    const argv = await cmdline(pid);
    if (!argv) return;
    const p = parseInstanceArgv(argv);
    if (!p) return;
    const penv = await environ(pid);
    if (penv && cacheDir(penv) !== mine) return;
    found.push({ pid, ...p });
  }));
  return found.sort((a, b) => a.pid - b.pid);
}
