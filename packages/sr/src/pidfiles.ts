// Pid files: one per instance in the configuration's state directory, written at spawn and by the instance itself.
import { mkdir, readFile, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stateDir, type Env } from '@sarra/common';
import { instanceOfPidFile, pidFile } from './layout.js';

/** One pid file found on disk. */
export interface PidEntry { instance: number; pid: number; file: string }

/** Writes (atomically) the pid file of one instance. */
export async function writePid(component: string, config: string, instance: number, pid: number, env: Env = process.env): Promise<void> {
  const file = pidFile(component, config, instance, env);
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${pid}\n`);
  await rename(tmp, file);
}

/** Removes the pid file of one instance if it still names `pid` (or unconditionally when pid is undefined). */
export async function removePid(component: string, config: string, instance: number, pid?: number, env: Env = process.env): Promise<void> {
  const file = pidFile(component, config, instance, env);
  if (pid !== undefined) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined && Number(text.trim()) !== pid) return;
  }
  await unlink(file).catch(() => {});
}

/** All pid files of a configuration, sorted by instance number. Unreadable or garbled files are skipped. */
export async function readPids(component: string, config: string, env: Env = process.env): Promise<PidEntry[]> {
  const dir = stateDir(component, config, env);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: PidEntry[] = [];
  await Promise.all(names.map(async (name) => {
    const instance = instanceOfPidFile(component, config, name);
    if (instance === undefined) return;
    const file = `${dir}/${name}`;
    const text = await readFile(file, 'utf8').catch(() => '');
    const pid = Number(text.trim());
    if (Number.isInteger(pid) && pid > 0) out.push({ instance, pid, file });
  }));
  return out.sort((a, b) => a.instance - b.instance);
}
