// File operations announced by notices (link, remove, rename, mkdir, rmdir), applied locally and confined by
// what is on disk: every path is reached through confined-fs (no symlink on the way unless follow_symlinks).
import { link as hardlink, lstat, rename, rm, rmdir, symlink, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PathEscapeError, TransientError } from '@sarra/common';
import type { Options } from '@sarra/config';
import type { ConfinedDir } from '@sarra/transfer';
import { checkLinkTarget, confine, openDirUnder, openParentUnder } from '@sarra/transfer';
import type { WorkItem } from './types.js';

/** The root every path of this item must stay under. */
export function destRootOf(o: Options, item: WorkItem): string {
  if (item.destRoot) return resolve(item.destRoot);
  if (o.directory && !o.directory.includes('${')) return resolve(o.directory);
  if (item.newDir) return resolve(item.newDir);
  throw new PathEscapeError('no destination directory to confine file operations under');
}

/** The item's local path (newDir/newFile, else relPath under the root), confined under `root` by text. */
export function finalPath(item: WorkItem, root: string): string {
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
  const here = finalPath(item, root);
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

/** Opens the parent of `abs` under `root` (made when `create`), runs `fn` with it, closes it. */
async function inParent<T>(o: Options, root: string, abs: string, create: boolean, fn: (dir: ConfinedDir, name: string) => Promise<T>): Promise<T> {
  const { dir, name } = await openParentUnder(root, abs, { create, mode: o.permDirDefault || 0o775, follow: o.follow_symlinks });
  try {
    return await fn(dir, name);
  } finally {
    await dir.close();
  }
}

/** The parent of `abs`, or undefined when a directory on the way is missing (nothing there to act on). */
async function existingParent<T>(o: Options, root: string, abs: string, fn: (dir: ConfinedDir, name: string) => Promise<T>): Promise<T | undefined> {
  try {
    return await inParent(o, root, abs, false, fn);
  } catch (e: unknown) {
    if (code(e) === 'ENOENT') return undefined;
    throw e;
  }
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
  const here = finalPath(item, root);
  const from = oldPath(o, item, root, old);
  if (from === here) return false;
  const moved = await existingParent(o, root, from, async (fromDir, fromName) => {
    const st = await lstat(fromDir.at(fromName)).catch(() => undefined);
    if (!st?.isFile()) return false;
    const size = item.notice.size;
    if (typeof size === 'number' && st.size !== size) {
      await rm(fromDir.at(fromName), { force: true }).catch((e: unknown) => { throw wrap(e, 'remove', from); });
      return false;
    }
    await inParent(o, root, here, true, (toDir, toName) => rename(fromDir.at(fromName), toDir.at(toName)));
    return true;
  });
  return moved === true;
}

/**
 * Applies `item.notice.fileOp` under the destination root. Every path (the file, a rename's old name, a link's
 * target) is reached through confined-fs: a symlink on the way (follow_symlinks off) or an escape throws
 * PathEscapeError (422). A symlink's target is resolved on disk and must stay under the root, and must not be
 * the link's own directory or one above it. Removing something already gone succeeds (deletes are idempotent
 * across retries).
 */
export async function applyFileOp(o: Options, item: WorkItem): Promise<void> {
  const op = item.notice.fileOp ?? {};
  const root = destRootOf(o, item);
  const here = finalPath(item, root);
  const mode = o.permDirDefault || 0o775;
  if (op.directory !== undefined) {
    if (op.remove !== undefined) {
      await existingParent(o, root, here, (dir, name) =>
        rmdir(dir.at(name)).catch((e: unknown) => { if (code(e) !== 'ENOENT') throw wrap(e, 'rmdir', here); }));
    } else {
      await (await openDirUnder(root, here, { create: true, mode, follow: o.follow_symlinks })).close();
    }
    return;
  }
  if (op.remove !== undefined) {
    await existingParent(o, root, here, (dir, name) => rm(dir.at(name), { force: true }).catch((e: unknown) => { throw wrap(e, 'remove', here); }));
    return;
  }
  if (op.rename !== undefined) {
    const from = oldPath(o, item, root, op.rename);
    // the new name's directory first: a symlink there is refused whether or not the old name is present
    await inParent(o, root, here, true, (toDir, toName) =>
      existingParent(o, root, from, async (fromDir, fromName) => {
        if (await lstat(fromDir.at(fromName)).catch(() => undefined)) await rename(fromDir.at(fromName), toDir.at(toName));
      }));
    return;
  }
  if (op.link !== undefined) {
    // an absolute target is mapped under the root (the tree is mirrored, not the source host's layout)
    const target = op.link.startsWith('/') ? confine(root, op.link.replace(/^\/+/, '')) : op.link;
    await inParent(o, root, here, true, async (dir, name) => {
      await checkLinkTarget(dir, name, target);
      await unlink(dir.at(name)).catch(() => {});
      await symlink(target, dir.at(name));
    });
    return;
  }
  if (op.hlink !== undefined) {
    const target = confine(root, op.hlink.replace(/^\/+/, ''));
    await inParent(o, root, target, false, (tDir, tName) =>
      inParent(o, root, here, true, async (dir, name) => {
        await unlink(dir.at(name)).catch(() => {});
        // link(2) does not follow a symlink at the source: a link to a symlink stays a link to the symlink
        await hardlink(tDir.at(tName), dir.at(name)).catch((e: unknown) => { throw wrap(e, 'hlink', here); });
      }));
  }
}

/** Removes the item's local file (sr3's `discard`), reached through confined-fs like every write; already gone is fine. */
export async function removeLocalFile(o: Options, item: WorkItem): Promise<void> {
  const root = destRootOf(o, item);
  const here = finalPath(item, root);
  await existingParent(o, root, here, (dir, name) =>
    unlink(dir.at(name)).catch((e: unknown) => { if (code(e) !== 'ENOENT') throw wrap(e, 'discard', here); }));
}

function code(e: unknown): string | undefined {
  return (e as { code?: string } | undefined)?.code;
}

function wrap(e: unknown, what: string, p: string): TransientError {
  return new TransientError(`${what} ${p}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}
