// One sender per spool: a pid file beside the spool (never inside it, where python-dirq or SSM's plain
// directory reader would see it). A stale one means the last run crashed: its locks are released.
import { open, readFile, unlink } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { ConfigError } from '@sarra/common';
import { isErrno } from './dirq/names.js';

/** The guard file of the sender of `spool`: `<parent>/.<name>.ssmsend.pid`. */
export function guardPath(spool: string): string {
  return `${dirname(spool)}/.${basename(spool)}.ssmsend.pid`;
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err: unknown) { return isErrno(err, 'EPERM'); }
}

/**
 * Takes the guard of `spool`. Resolves to the pid of a crashed previous run (whose locks the caller must
 * release), or undefined. A live other sender is a ConfigError.
 */
export async function takeGuard(spool: string): Promise<number | undefined> {
  const path = guardPath(spool);
  let stale: number | undefined;
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fh = await open(path, 'wx', 0o644);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return stale;
    } catch (err: unknown) {
      if (!isErrno(err, 'EEXIST')) throw err;
    }
    const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (pid && pid !== process.pid && alive(pid)) throw new ConfigError(`another ssmsend (pid ${pid}) is sending this spool (${path})`);
    stale = pid || stale;
    await unlink(path).catch(() => {});
  }
  throw new ConfigError(`cannot take the sender guard ${path}`);
}

/** Releases the guard taken by takeGuard. */
export async function releaseGuard(spool: string): Promise<void> {
  await unlink(guardPath(spool)).catch(() => {});
}
