// What a download does beside the transfer: the overwrite check against the local copy, the source's removal (delete).
import { constants as C } from 'node:fs';
import { lstat, open, unlink } from 'node:fs/promises';
import type { Logger } from '@sarra/common';
import { describeError, redact } from '@sarra/common';
import type { IdentityMethod, Notice } from '@sarra/message';
import { createHasher } from '@sarra/message';
import type { TransferPool } from '@sarra/transfer';
import { openParentUnder } from '@sarra/transfer';

/**
 * True when the regular file at `path` (a confined-fs path: ConfinedDir.at) already holds what the notice
 * announces: inline content byte for byte; otherwise the same size and, for a sha512/md5 identity, the same
 * checksum. Anything else (no file, a symlink, another size, an identity that cannot be compared: cod, random,
 * arbitrary, md5name, none) is not identical. The file is read with O_NOFOLLOW: a link swapped in is not read through.
 */
export async function sameAsLocal(path: string, n: Notice, inline?: Buffer): Promise<boolean> {
  const st = await lstat(path).catch(() => undefined);
  if (!st?.isFile()) return false;
  const size = inline ? inline.length : n.size;
  if (typeof size !== 'number' || st.size !== size) return false;
  const method = n.identity?.method;
  if (!inline && method !== 'sha512' && method !== 'md5') return false;
  let fh;
  try {
    fh = await open(path, C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    if (!(await fh.stat()).isFile()) return false;
    if (inline) return (await fh.readFile()).equals(inline);
    const h = createHasher(method as IdentityMethod, n.relPath);
    for await (const c of fh.createReadStream({ highWaterMark: 1 << 20, autoClose: false })) h.update(c as Buffer);
    return h.value() === n.identity?.value;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** Where the source of a notice is removed: a local root (file: sources under baseDir) or the transfer pool. */
export interface SourceRemover {
  pool: TransferPool;
  logger: Logger;
  /** The root a file: source lives under (baseDir), when the source is local. */
  localRoot?: string;
  /** Schemes whose driver cannot remove (http), already warned about: once per downloader, not per file. */
  warned: Set<string>;
}

/**
 * sr3's `delete`: removes the source of a finished download at its origin (`path`, as the driver names it). A
 * file: source is unlinked under its root through confined-fs; other schemes through the driver's `remove`
 * (sftp). A removal that fails is logged and the download stands (as sr3: the data is here, only the clean-up
 * upstream failed); a driver that cannot remove (http) is reported once.
 */
export async function deleteSource(r: SourceRemover, n: Notice, path: string): Promise<void> {
  const where = redact(`${n.baseUrl} ${path}`);
  try {
    if (r.localRoot !== undefined) {
      const { dir, name } = await openParentUnder(r.localRoot, path, { follow: true });
      try { await unlink(dir.at(name)); } finally { await dir.close(); }
    } else {
      await (await r.pool.get(n.baseUrl)).remove(path);
    }
    if (r.logger.enabled('debug')) r.logger.debug(`deleted the source ${where}`);
  } catch (err: unknown) {
    if ((err as { code?: string } | undefined)?.code === 'ERR_UNSUPPORTED') {
      const scheme = n.baseUrl.split(':')[0] ?? '';
      if (r.warned.has(scheme)) return;
      r.warned.add(scheme);
    }
    r.logger.warning(`delete: the source ${where} was not removed: ${describeError(err)} (the download stands)`);
  }
}
