// File operations announced by notices (link, remove, rename, mkdir, rmdir), applied locally and confined.
import { link as hardlink, lstat, mkdir, rename, rm, rmdir, symlink, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { PathEscapeError, TransientError } from '@sarra/common';
import type { Options } from '@sarra/config';
import { confine, confineLink } from '@sarra/transfer';
import type { WorkItem } from './types.js';

/** The root every path of this item must stay under. */
export function destRootOf(o: Options, item: WorkItem): string {
  if (item.destRoot) return resolve(item.destRoot);
  if (o.directory && !o.directory.includes('${')) return resolve(o.directory);
  if (item.newDir) return resolve(item.newDir);
  throw new PathEscapeError('no destination directory to confine file operations under');
}

function finalPath(o: Options, item: WorkItem, root: string): string {
  // resolve(): a relative destination root (and so a relative newDir) is relative to the working directory
  const p = item.newDir !== undefined && item.newFile !== undefined
    ? resolve(item.newDir, item.newFile)
    : join(root, (item.newRelPath ?? item.notice.relPath).replace(/^\/+/, ''));
  return confine(root, p);
}

/**
 * Where the old name of a rename lives locally. With mirror, the same mapping as the new name: the tail of
 * the local path that repeats the notice's relPath is swapped for the old relPath (minus as many leading
 * segments as strip removed). Otherwise, or when the mapping cannot be seen (rename option), beside it.
 */
function oldPath(o: Options, item: WorkItem, root: string, old: string): string {
  const here = finalPath(o, item, root);
  const oldT = old.split('/').filter((t) => t !== '');
  if (o.mirror) {
    const relT = (item.notice.rename || item.notice.relPath).split('/').filter((t) => t !== '');
    const hereT = here.split('/');
    let k = 0;
    while (k < relT.length && k < hereT.length && relT[relT.length - 1 - k] === hereT[hereT.length - 1 - k]) k++;
    if (k > 0) {
      const prefix = hereT.slice(0, hereT.length - k).join('/');
      const stripped = relT.length - k;
      if (oldT.length > stripped) return confine(root, `${prefix}/${oldT.slice(stripped).join('/')}`);
    }
  }
  return confine(root, join(dirname(here), oldT[oldT.length - 1] ?? ''));
}

async function exists(p: string): Promise<boolean> {
  try { await lstat(p); return true; } catch { return false; }
}

/**
 * A rename that carries the file (identity or content, as watch announces one): when the old name holds a
 * file of the announced size it is renamed to the new name and true is returned (nothing to download).
 * Otherwise a stale old name is removed and false is returned: the caller downloads the new name.
 */
export async function renameInPlace(o: Options, item: WorkItem): Promise<boolean> {
  const old = item.notice.fileOp?.rename;
  if (typeof old !== 'string') return false;
  const root = destRootOf(o, item);
  const here = finalPath(o, item, root);
  const from = oldPath(o, item, root, old);
  if (from === here) return false;
  const st = await lstat(from).catch(() => undefined);
  if (!st?.isFile()) return false;
  const size = item.notice.size;
  if (typeof size === 'number' && st.size !== size) {
    await rm(from, { force: true }).catch((e: unknown) => { throw wrap(e, 'remove', from); });
    return false;
  }
  await mkdir(dirname(here), { recursive: true, mode: o.permDirDefault || 0o775 });
  await rename(from, here);
  return true;
}

/**
 * Applies `item.notice.fileOp` under the destination root. Every path (the file, a rename's old name,
 * a link's target) is confined: an escape throws PathEscapeError (422). Removing something already
 * gone succeeds (deletes are idempotent across retries).
 */
export async function applyFileOp(o: Options, item: WorkItem): Promise<void> {
  const op = item.notice.fileOp ?? {};
  const root = destRootOf(o, item);
  const here = finalPath(o, item, root);
  if (op.directory !== undefined) {
    if (op.remove !== undefined) {
      await rmdir(here).catch((e: unknown) => { if (code(e) !== 'ENOENT') throw wrap(e, 'rmdir', here); });
    } else {
      await mkdir(here, { recursive: true, mode: o.permDirDefault || 0o775 });
    }
    return;
  }
  if (op.remove !== undefined) {
    await rm(here, { force: true }).catch((e: unknown) => { throw wrap(e, 'remove', here); });
    return;
  }
  await mkdir(dirname(here), { recursive: true, mode: o.permDirDefault || 0o775 });
  if (op.rename !== undefined) {
    const from = oldPath(o, item, root, op.rename);
    if (await exists(from)) await rename(from, here);
    return;
  }
  if (op.link !== undefined) {
    let target = op.link;
    if (isAbsolute(target)) target = confine(root, target.replace(/^\/+/, ''));
    const checked = confineLink(root, here, target);
    await unlink(here).catch(() => {});
    await symlink(checked.target, here);
    return;
  }
  if (op.hlink !== undefined) {
    const target = confine(root, op.hlink.replace(/^\/+/, ''));
    await unlink(here).catch(() => {});
    await hardlink(target, here).catch((e: unknown) => { throw wrap(e, 'hlink', here); });
  }
}

function code(e: unknown): string | undefined {
  return (e as { code?: string } | undefined)?.code;
}

function wrap(e: unknown, what: string, p: string): TransientError {
  return new TransientError(`${what} ${p}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}
