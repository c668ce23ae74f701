// Reads the Linux process table (/proc) without spawning anything: liveness, command lines, memory, CPU.
import { readFile, readdir } from 'node:fs/promises';

/** Clock ticks per second used by /proc/<pid>/stat (USER_HZ; 100 on every Linux we run on). */
const HZ = 100;
/** Bytes per page for /proc/<pid>/statm. */
const PAGE = 4096;

/** True when a process with this pid exists (and is not a zombie). */
export async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** argv of a process, or undefined when it is gone. */
export async function cmdline(pid: number): Promise<string[] | undefined> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((s) => s.length > 0);
  } catch {
    return undefined;
  }
}

/** Environment of a process (readable for our own processes), or undefined. */
export async function environ(pid: number): Promise<Record<string, string> | undefined> {
  try {
    const raw = await readFile(`/proc/${pid}/environ`, 'utf8');
    const env: Record<string, string> = {};
    for (const kv of raw.split('\0')) {
      const i = kv.indexOf('=');
      if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
    }
    return env;
  } catch {
    return undefined;
  }
}

/** Memory (bytes: resident, virtual, unique when asked), user and system CPU (seconds) of a process. */
export interface ProcUsage { rss: number; vms: number; uss?: number; user: number; system: number }

/** Unique set size (private clean + dirty, bytes) from /proc/<pid>/smaps_rollup; undefined when unreadable. */
export async function uss(pid: number): Promise<number | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
    let kb = 0;
    for (const m of text.matchAll(/^Private_(?:Clean|Dirty):\s+(\d+) kB/gm)) kb += Number(m[1]);
    return kb * 1024;
  } catch {
    return undefined;
  }
}

/** Memory and CPU of a process from /proc/<pid>/statm and /proc/<pid>/stat; undefined when gone. */
export async function usage(pid: number): Promise<ProcUsage | undefined> {
  try {
    const [statm, stat] = await Promise.all([
      readFile(`/proc/${pid}/statm`, 'utf8'),
      readFile(`/proc/${pid}/stat`, 'utf8'),
    ]);
    const [vmsPages, rssPages] = statm.trim().split(/\s+/).map(Number);
    // fields after "(comm)": state is field 3; utime 14 and stime 15 (1-based over the whole line)
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      vms: (vmsPages ?? 0) * PAGE,
      rss: (rssPages ?? 0) * PAGE,
      user: Number(rest[11] ?? 0) / HZ,
      system: Number(rest[12] ?? 0) / HZ,
    };
  } catch {
    return undefined;
  }
}

/** Every numeric pid currently in /proc. */
export async function allPids(): Promise<number[]> {
  const names = await readdir('/proc');
  return names.filter((n) => /^\d+$/.test(n)).map(Number);
}
