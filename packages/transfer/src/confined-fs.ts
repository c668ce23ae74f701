// Confinement by what is on disk: directories under a root are opened one component at a time, each relative
// to the descriptor of its parent (Linux /proc/self/fd/N/name, an openat() without native bindings), so a
// symlink anywhere on the way, or one swapped in between a check and a write, cannot lead outside the root.
import { constants as C, promises as fsp, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { mkdirp, PathEscapeError, PermanentError } from '@sarra/common';

/** How a walk may treat symlinks and missing directories. */
export interface WalkOptions {
  /** Make missing directories on the way (mode `mode`). @default false */
  create?: boolean;
  /** Mode of directories made. @default 0o775 */
  mode?: number;
  /**
   * sr3's `follow_symlinks`: a symlink on the way is followed, and what was opened must still be under the
   * root (checked on the opened descriptor, so a swap cannot win). Off: any symlink on the way is refused.
   * @default false
   */
  follow?: boolean;
}

const DIR_FLAGS = C.O_RDONLY | C.O_DIRECTORY;

/** The path that reaches `name` inside the directory open as `fd`, whatever happens to the names above it. */
function at(fd: number, name: string): string {
  return `/proc/self/fd/${fd}/${name}`;
}

/** The real path of what descriptor `fd` is open on now. */
async function realOf(fd: number): Promise<string> {
  return fsp.readlink(`/proc/self/fd/${fd}`);
}

function isUnder(root: string, p: string): boolean {
  return p === root || p.startsWith(root === '/' ? '/' : `${root}/`);
}

function errCode(e: unknown): string | undefined {
  return (e as { code?: string } | undefined)?.code;
}

/** One path component a notice names: never empty, `.`, `..`, or with a separator or NUL. */
function checkName(name: string, whole: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new PathEscapeError(`path ${whole}: bad component ${JSON.stringify(name)}`);
  }
}

/** One open directory, shared by the walks that reach it (kept open in a small cache while valid). */
interface OpenDir {
  handle: fsp.FileHandle;
  /** Its real path when opened: the cache entry is valid while the descriptor still reads as this path. */
  real: string;
  /** The real path of the root it was reached from. */
  root: string;
  /** Walks and ConfinedDirs holding it; an evicted one is closed when the last lets go. */
  refs: number;
  evicted: boolean;
}

/** Directories kept open, most recently used last: a flow writes many files into few directories. */
const CACHE_MAX = 256;
const cache = new Map<string, OpenDir>();

function cacheKey(root: string, names: string[], follow: boolean | undefined): string {
  return `${follow ? 'f' : 'n'}\0${root}\0${names.join('/')}`;
}

function release(d: OpenDir): void {
  if (--d.refs === 0 && d.evicted) void d.handle.close().catch(() => undefined);
}

function evict(key: string, d: OpenDir): void {
  if (cache.get(key) === d) cache.delete(key);
  d.evicted = true;
  if (d.refs === 0) void d.handle.close().catch(() => undefined);
}

function remember(key: string, d: OpenDir): void {
  const old = cache.get(key);
  if (old && old !== d) evict(key, old);
  cache.set(key, d);
  while (cache.size > CACHE_MAX) {
    const [k, v] = cache.entries().next().value as [string, OpenDir];
    evict(k, v);
  }
}

/** Lets go of every cached directory (those in use close when released): before an unmount, at stop. */
export function closeCachedDirs(): void {
  for (const [k, d] of [...cache]) evict(k, d);
}

/**
 * A cached directory that is still where it was: its descriptor reads as the same real path (a directory moved,
 * removed or swapped for a link since reads otherwise). A /proc readlink touches no disk, hence sync.
 */
function cached(key: string): OpenDir | undefined {
  const d = cache.get(key);
  if (!d) return undefined;
  let now: string | undefined;
  try { now = readlinkSync(`/proc/self/fd/${d.handle.fd}`); } catch { now = undefined; }
  if (now !== d.real) { evict(key, d); return undefined; }
  cache.delete(key);
  cache.set(key, d);
  return d;
}

/**
 * A directory opened under a root. `at(name)` names an entry of it for any fs call (the call does not follow
 * a symlink at `name` where the call itself does not: rename, unlink, rmdir, symlink, lstat, mkdir, open with
 * O_NOFOLLOW). Close it when done.
 */
export class ConfinedDir {
  private closed = false;
  constructor(private readonly d: OpenDir) {}

  /** The directory's real path when it was opened. */
  get real(): string {
    return this.d.real;
  }

  /** The real path of the root it was opened under. */
  get root(): string {
    return this.d.root;
  }

  /** The descriptor; valid until close(). */
  get fd(): number {
    return this.d.handle.fd;
  }

  /** A path for `name` inside this directory (one component). */
  at(name: string): string {
    checkName(name, `${this.d.real}/${name}`);
    return at(this.d.handle.fd, name);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    release(this.d);
  }
}

/** Opens (and with `create`, makes) the root itself: the operator's directory, trusted, symlinks allowed. */
async function openRoot(root: string, opts: WalkOptions): Promise<OpenDir> {
  if (opts.create) await mkdirp(root, opts.mode || 0o775);
  const handle = await fsp.open(root, DIR_FLAGS);
  try {
    const real = await realOf(handle.fd);
    return { handle, real, root: real, refs: 0, evicted: false };
  } catch (e: unknown) {
    await handle.close();
    throw e;
  }
}

/** Opens `name` inside the directory `dir` (a descriptor), refusing or checking a symlink there. */
async function openStep(dir: fsp.FileHandle, name: string, rootReal: string, whole: string, opts: WalkOptions): Promise<fsp.FileHandle> {
  const p = at(dir.fd, name);
  const flags = opts.follow ? DIR_FLAGS : DIR_FLAGS | C.O_NOFOLLOW;
  for (let tries = 0; ; tries++) {
    try {
      const h = await fsp.open(p, flags);
      if (opts.follow) {
        const real = await realOf(h.fd).catch(() => '');
        if (!isUnder(rootReal, real)) {
          await h.close();
          throw new PathEscapeError(`path ${whole}: ${name} leads outside ${rootReal} (to ${real})`);
        }
      }
      return h;
    } catch (e: unknown) {
      const c = errCode(e);
      if (c === 'ENOENT' && opts.create && tries < 3) {
        // mkdir never follows a symlink at its last component; EEXIST: somebody made it meanwhile, open it
        await fsp.mkdir(p, { mode: opts.mode || 0o775 }).catch((m: unknown) => { if (errCode(m) !== 'EEXIST') throw m; });
        continue;
      }
      if (c === 'ELOOP' || c === 'ENOTDIR') {
        const st = await fsp.lstat(p).catch(() => undefined);
        if (st?.isSymbolicLink()) throw new PathEscapeError(`path ${whole}: ${name} is a symlink (follow_symlinks is off)`);
        if (st && !st.isDirectory()) throw new PathEscapeError(`path ${whole}: ${name} is not a directory`);
      }
      throw e;
    }
  }
}

/**
 * Opens the directory `abs` (absolute, under `root`) by walking from the root one component at a time.
 * @throws PathEscapeError (422) when `abs` is not under `root` by text, or a component is a symlink (follow
 * off) or leads outside the root (follow on), or is not a directory; fs errors (ENOENT without create,
 * EACCES, EROFS) as they are.
 */
export async function openDirUnder(root: string, abs: string, opts: WalkOptions = {}): Promise<ConfinedDir> {
  const r = posix.resolve(root);
  const a = posix.resolve(r, abs);
  if (!isUnder(r, a)) throw new PathEscapeError(`path ${abs} is outside ${r}`);
  const names = a === r ? [] : a.slice(r === '/' ? 1 : r.length + 1).split('/');
  for (const name of names) checkName(name, abs);
  // start from the deepest directory on the way that is open already and still in place
  let depth = names.length;
  let cur: OpenDir | undefined;
  for (; depth >= 0 && !cur; depth--) cur = cached(cacheKey(r, names.slice(0, depth), opts.follow));
  depth++;
  if (!cur) {
    cur = await openRoot(r, opts);
    remember(cacheKey(r, [], opts.follow), cur);
    depth = 0;
  }
  cur.refs++;
  try {
    for (let i = depth; i < names.length; i++) {
      const h = await openStep(cur.handle, names[i]!, cur.root, abs, opts);
      const next: OpenDir = { handle: h, real: await realOf(h.fd).catch(() => ''), root: cur.root, refs: 1, evicted: false };
      remember(cacheKey(r, names.slice(0, i + 1), opts.follow), next);
      release(cur);
      cur = next;
    }
    return new ConfinedDir(cur);
  } catch (e: unknown) {
    readable(e);
    release(cur);
    throw e;
  }
}

/** The directory holding `abs` and the last component's name, opened as {@link openDirUnder} does. */
export async function openParentUnder(root: string, abs: string, opts: WalkOptions = {}): Promise<{ dir: ConfinedDir; name: string }> {
  const a = posix.resolve(root, abs);
  const name = posix.basename(a);
  if (a === posix.resolve(root)) throw new PathEscapeError(`path ${abs}: the root itself is not a file`);
  const dir = await openDirUnder(root, posix.dirname(a), opts);
  return { dir, name };
}

/**
 * Opens the existing regular file `abs` under `root` for reading. A symlink at the last component is refused
 * (follow off) or must lead under the root (follow on, checked on the opened descriptor); anything but a regular
 * file (a FIFO, a device, a directory) is refused without blocking on it.
 * @throws PathEscapeError (422) for an escape; PermanentError 404 for a non-regular file; fs errors (ENOENT,
 * EACCES) as they are.
 */
export async function openFileUnder(root: string, abs: string, opts: { follow?: boolean } = {}): Promise<fsp.FileHandle> {
  const { dir, name } = await openParentUnder(root, abs, { follow: opts.follow });
  try {
    let h: fsp.FileHandle;
    try {
      // O_NONBLOCK: a FIFO planted in the tree must not hold a thread until a writer comes (regular files ignore it)
      const flags = C.O_RDONLY | C.O_NONBLOCK | C.O_NOCTTY;
      h = await fsp.open(dir.at(name), opts.follow ? flags : flags | C.O_NOFOLLOW);
    } catch (e: unknown) {
      if (errCode(e) === 'ELOOP') throw new PathEscapeError(`path ${abs}: ${name} is a symlink (follow_symlinks is off)`);
      readable(e);
      throw e;
    }
    if (opts.follow) {
      const real = await realOf(h.fd).catch(() => '');
      if (!isUnder(dir.root, real)) {
        await h.close();
        throw new PathEscapeError(`path ${abs} leads outside ${dir.root} (to ${real})`);
      }
    }
    const st = await h.stat();
    if (!st.isFile()) {
      await h.close();
      throw new PermanentError(`path ${abs} is not a regular file`, { reportCode: 404 });
    }
    return h;
  } finally {
    await dir.close();
  }
}

/** How deep symlink resolution goes before giving up, as the kernel's ELOOP (40). */
const LINK_DEPTH_MAX = 40;

/**
 * Where a symlink target would lead on disk, seen from the real directory `fromReal`: each component is
 * looked up (an existing symlink is followed, at most 40 in all), missing ones are taken as they are.
 */
async function resolveOnDisk(fromReal: string, target: string, depth = { n: 0 }): Promise<string> {
  let cur = posix.isAbsolute(target) ? '/' : fromReal;
  for (const name of target.split('/')) {
    if (name === '' || name === '.') continue;
    if (name === '..') { cur = posix.dirname(cur); continue; }
    const next = posix.join(cur, name);
    const st = await fsp.lstat(next).catch(() => undefined);
    if (st?.isSymbolicLink()) {
      if (++depth.n > LINK_DEPTH_MAX) throw new PathEscapeError(`symlink target ${target}: too many levels of links`);
      cur = await resolveOnDisk(cur, await fsp.readlink(next), depth);
    } else cur = next;
  }
  return cur;
}

/**
 * Checks a symlink about to be made as `name` in `dir` with `target`: the target, resolved on disk (symlinks
 * already there followed, so `up -> dot/..` with `dot -> .` is seen for what it is), must be under the root,
 * and must not be the link's own directory or one above it (a link that loops back over the tree).
 * @throws PathEscapeError (422) naming the link and target.
 */
export async function checkLinkTarget(dir: ConfinedDir, name: string, target: string): Promise<void> {
  const shown = `${dir.real}/${name} -> ${target}`;
  if (target === '' || target.includes('\0')) throw new PathEscapeError(`symlink ${shown}: empty target or NUL`);
  if (/(^|[/\\])\.\.\\|\\\.\.($|[/\\])/.test(target)) throw new PathEscapeError(`symlink ${shown}: backslash dot-dot`);
  const real = await resolveOnDisk(dir.real, target);
  if (!isUnder(dir.root, real)) throw new PathEscapeError(`symlink ${shown} points outside ${dir.root}`);
  if (isUnder(real, dir.real)) throw new PathEscapeError(`symlink ${shown} points at its own directory or one above it`);
}

/** Rewrites an fs error's message and path to name real paths (while the descriptors are still open). */
function readable(e: unknown): void {
  const err = e as NodeJS.ErrnoException | undefined;
  if (!(err instanceof Error)) return;
  err.message = realPathsIn(err.message);
  if (typeof err.path === 'string') err.path = realPathsIn(err.path);
}

/** An error message with each `/proc/self/fd/N` replaced by the real path of N (call before closing N). */
export function realPathsIn(message: string): string {
  return message.replace(/\/proc\/self\/fd\/(\d+)/g, (m, fd: string) => {
    try { return readlinkSync(`/proc/self/fd/${fd}`); } catch { return m; }
  });
}
