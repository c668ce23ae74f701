// The force_polling fallback of watch: a periodic lstat walk compared with one Map of what was seen.
import { lstat, readdir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';

/** What the watcher remembers of each path: enough to see a change and to match a rename by inode. */
export interface Known { ino: number; size: number; mtimeMs: number; kind: 'file' | 'dir' | 'link'; gen: number }

export type FsEvent = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir';

export function kindOf(st: Stats): Known['kind'] {
  return st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : 'file';
}

/**
 * With follow_symlinks: whether the symlink at `abs` leads to a directory not walked yet (by dev:ino, so a link
 * back up the tree is not walked again); the directory is then marked walked.
 */
export async function linkedDirToWalk(abs: string, walked: Set<string>): Promise<boolean> {
  const st = await stat(abs).catch(() => undefined);
  if (!st?.isDirectory()) return false;
  const key = `${st.dev}:${st.ino}`;
  if (walked.has(key)) return false;
  walked.add(key);
  return true;
}

/**
 * One scan of `roots`: calls `emit` for every path that appeared, changed (size or mtime) or vanished
 * since the previous scan, updating `known` in place. Memory is the one Map (no copy of the tree per
 * scan: a generation number marks what this scan saw). `ignore(name)` skips inflight/hidden names.
 * `follow` (follow_symlinks): a symlink to a directory is announced as a link and also walked through.
 */
export async function scanOnce(
  roots: string[], known: Map<string, Known>, gen: number, ignore: (name: string) => boolean,
  emit: (ev: FsEvent, abs: string, prevIno?: number) => void, follow = false,
): Promise<void> {
  const stack = [...roots];
  const walked = new Set<string>();
  if (follow) for (const r of roots) await linkedDirToWalk(r, walked);
  while (stack.length) {
    const dir = stack.pop()!;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue; // vanished between listing and reading: the parent's scan reports it
    }
    for (const name of names) {
      if (ignore(name)) continue;
      const abs = `${dir}/${name}`;
      let st: Stats;
      try {
        st = await lstat(abs);
      } catch {
        continue;
      }
      const kind = kindOf(st);
      const k = known.get(abs);
      if (!k) {
        known.set(abs, { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, kind, gen });
        emit(kind === 'dir' ? 'addDir' : 'add', abs);
      } else {
        if (kind !== 'dir' && (k.size !== st.size || k.mtimeMs !== st.mtimeMs || k.ino !== st.ino)) {
          emit('change', abs);
        }
        k.ino = st.ino; k.size = st.size; k.mtimeMs = st.mtimeMs; k.kind = kind; k.gen = gen;
      }
      if (kind === 'dir' || (follow && kind === 'link' && (await linkedDirToWalk(abs, walked)))) stack.push(abs);
    }
  }
  for (const [abs, k] of known) {
    if (k.gen === gen) continue;
    if (roots.includes(abs)) continue;
    known.delete(abs);
    emit(k.kind === 'dir' ? 'unlinkDir' : 'unlink', abs, k.ino);
  }
}
