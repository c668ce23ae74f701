// `mkdir -p` that says why it failed: Node's recursive mkdir reports ENOENT for EROFS, ENOSPC or EACCES
// (nodejs/node#47098, open through Node 22), so a read-only file system reads as a missing directory.
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

function code(e: unknown): unknown {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Makes `dir` and its missing parents, each with `mode` (before the umask; default 0o777). Resolves once it
 * exists. A failure carries the errno of the step that failed, naming that directory (`EROFS: read-only file
 * system, mkdir '/ro/data'`), where `mkdir(dir, { recursive: true })` says `ENOENT`.
 */
export async function mkdirp(dir: string, mode = 0o777): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode });
  } catch (e: unknown) {
    if (code(e) !== 'ENOENT') throw e;
    // find the deepest directory that exists, then make each one below it with a plain mkdir (true errno)
    const missing: string[] = [];
    for (let d = dir; ; d = dirname(d)) {
      const st = await stat(d).catch((s: unknown) => { if (code(s) === 'ENOENT') return undefined; throw s; });
      if (st || dirname(d) === d) break;
      missing.unshift(d);
    }
    for (const d of missing) await mkdir(d, { mode }).catch((m: unknown) => { if (code(m) !== 'EEXIST') throw m; });
  }
}
