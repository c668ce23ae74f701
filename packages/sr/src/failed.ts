// The `failed` marker of a configuration: why its instances stopped for good, for sr status, sanity and start.
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { mkdirp, type Env } from '@sarra/common';
import { dirname } from 'node:path';
import { failedFile } from './layout.js';

/** What an instance that stopped for good left behind. */
export interface Failure {
  /** the instance that wrote it (the last one, when several failed alike) */ instance: number;
  /** one line an operator can act on, e.g. which user the broker refused and where its password comes from */ reason: string;
  /** when, in ms since the epoch */ time: number;
}

/** Records (atomically) that `instance` stopped for `reason`. */
export async function writeFailure(component: string, config: string, instance: number, reason: string, env: Env = process.env): Promise<void> {
  const file = failedFile(component, config, env);
  await mkdirp(dirname(file));
  const tmp = `${file}.${process.pid}.tmp`;
  const f: Failure = { instance, reason, time: Date.now() };
  await writeFile(tmp, `${JSON.stringify(f)}\n`);
  await rename(tmp, file);
}

/** The failure recorded for a configuration, if any (an unreadable marker still counts, with a reason saying so). */
export async function readFailure(component: string, config: string, env: Env = process.env): Promise<Failure | undefined> {
  const text = await readFile(failedFile(component, config, env), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const f = JSON.parse(text) as Partial<Failure>;
    return { instance: Number(f.instance ?? 0), reason: String(f.reason ?? 'unknown'), time: Number(f.time ?? 0) };
  } catch {
    return { instance: 0, reason: `unreadable ${failedFile(component, config, env)}`, time: 0 };
  }
}

/** Forgets the failure (sr start, stop): the next instances try again. */
export async function clearFailure(component: string, config: string, env: Env = process.env): Promise<void> {
  await unlink(failedFile(component, config, env)).catch(() => {});
}
