// Confines a sender's writes on a remote by what is there: every existing directory on the way below the write
// root is lstat'ed and refused when it is a symlink (follow_symlinks off) or leads outside the root (on), with a
// per-connection cache so small files do not cost a round trip per component. For drivers without descriptor-
// relative calls (sftp): the check and the use are separate requests, see GuardedTransfer.
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { PathEscapeError, PermanentError, TransientError } from '@sarra/common';
import type { GetOptions, RemoteEntry, Transfer } from './types.js';

/** Where a sender's writes are confined. */
export interface WriteScope {
  /**
   * The trusted root (the sendTo URL path): an absolute path under it is checked below it, a relative path
   * below the login (or base) directory, any other absolute path from `/`. The root itself is the
   * operator's and may be or contain symlinks.
   */
  root: string;
  /** sr3's follow_symlinks: a symlink on the way is followed, but where it leads must be under the root. */
  follow: boolean;
}

/** A driver whose writes can be confined (file, sftp). */
export interface ConfinableTransfer extends Transfer {
  /** A view of this connection whose every write is confined to `scope`. */
  confined(scope: WriteScope): Transfer;
}

function isConfinable(t: Transfer): t is ConfinableTransfer {
  return typeof (t as Partial<ConfinableTransfer>).confined === 'function';
}

const views = new WeakMap<Transfer, Map<string, Transfer>>();

/**
 * The confined view of `t` for `scope`, one per connection and scope (so its cache of verified directories
 * lives as long as the connection).
 * @throws PermanentError (503, ERR_UNSUPPORTED) for a driver that cannot confine its writes: no write goes
 *   out unconfined.
 */
export function confinedTransfer(t: Transfer, scope: WriteScope): Transfer {
  if (!isConfinable(t)) {
    throw new PermanentError(`${t.scheme}: writes cannot be confined on this protocol`, { code: 'ERR_UNSUPPORTED', reportCode: 503 });
  }
  let m = views.get(t);
  if (!m) views.set(t, (m = new Map()));
  const key = `${scope.follow ? 'f' : 'n'}\0${scope.root}`;
  let v = m.get(key);
  if (!v) m.set(key, (v = t.confined(scope)));
  return v;
}

/** Is `p` (normalised, absolute) `root` or below it? */
export function isUnder(root: string, p: string): boolean {
  return p === root || p.startsWith(root === '/' ? '/' : `${root}/`);
}

/**
 * The root a path is checked below and the path's components under it, by the rule of {@link WriteScope}.
 * `base` is what a relative path is relative to ('.' for the login directory).
 */
export function splitUnder(scopeRoot: string, base: string, path: string): { root: string; names: string[] } {
  const p = posix.normalize(path);
  const names = (q: string): string[] => q.split('/').filter((s) => s !== '' && s !== '.');
  if (!posix.isAbsolute(p)) {
    if (names(p).includes('..')) throw new PathEscapeError(`remote path ${path} climbs out of ${base}`);
    return { root: base, names: names(p) };
  }
  const r = posix.normalize(scopeRoot.replace(/(.)\/+$/, '$1'));
  const root = posix.isAbsolute(r) && isUnder(r, p) ? r : '/';
  return { root, names: names(p.slice(root.length)) };
}

/** What the guard needs from a remote: lstat (undefined when missing), realpath and readlink. */
export interface RemoteInspector {
  stat(path: string): Promise<RemoteEntry | undefined>;
  realpath(path: string): Promise<string>;
  readlink(path: string): Promise<string>;
}

/** At most this many verified directories are remembered per view; past it the cache starts again. */
const VERIFIED_MAX = 10_000;
/** How many symlinks a target resolution follows before giving up, as the kernel's ELOOP (40). */
const LINK_DEPTH_MAX = 40;

/** Result of checking one directory on the way: verified (kept), or missing / not a directory (not kept). */
type Step = 'ok' | 'missing' | 'notdir';

/**
 * Checks remote paths below a scope's root. A directory verified (not a symlink, or with follow on, leading under
 * the root) or made by us is remembered until a remove, rmdir or rename of it or above it.
 *
 * Invariant: a remembered directory's parents (below the root) are remembered too, so forgetting a path that is
 * not remembered has nothing below it to forget (the per-file rename inflight -> final costs no scan). Walks add
 * top-down, `made()` adds whole chains at once, and a walk that saw the cache shrink meanwhile (`gen` changed)
 * adds nothing more.
 */
export class RemoteGuard {
  private verified = new Map<string, Promise<Step>>();
  /** Bumped whenever entries are dropped: walks begun before stop adding. */
  private gen = 0;
  private readonly reals = new Map<string, Promise<string>>();

  constructor(private readonly fs: RemoteInspector, readonly scope: WriteScope) {}

  /** The prefixes of `dir` below its root (relative ones relative to the login directory), and that root. */
  private prefixes(dir: string): { root: string; list: string[] } {
    const { root, names } = splitUnder(this.scope.root, '.', dir);
    const list: string[] = [];
    let cur = posix.isAbsolute(dir) ? root : '';
    for (const n of names) {
      cur = cur === '' ? n : posix.join(cur, n);
      list.push(cur);
    }
    return { root, list };
  }

  /** The real path of a root (cached: the root is the operator's, taken as stable). */
  private realOf(root: string): Promise<string> {
    let p = this.reals.get(root);
    if (!p) {
      p = this.fs.realpath(root);
      this.reals.set(root, p);
      p.catch(() => this.reals.delete(root));
    }
    return p;
  }

  private async step(d: string, root: string, whole: string): Promise<Step> {
    const st = await this.fs.stat(d);
    if (!st) return 'missing';
    if (st.isLink) {
      if (!this.scope.follow) throw new PathEscapeError(`remote path ${whole}: ${d} is a symlink (follow_symlinks is off)`);
      const [real, rootReal] = await Promise.all([this.fs.realpath(d), this.realOf(root)]);
      if (!isUnder(rootReal, real)) throw new PathEscapeError(`remote path ${whole}: ${d} leads outside ${root} (to ${real})`);
      return 'ok';
    }
    return st.isDir ? 'ok' : 'notdir';
  }

  private roomFor(n: number): void {
    if (this.verified.size + n <= VERIFIED_MAX) return;
    this.verified = new Map();
    this.gen++;
  }

  /**
   * Checks every existing directory of `dir` (itself included) below its root, top-down, stopping at the first
   * missing one (made later by mkdirp, or the operation fails on it). `whole` is the path named in a refusal.
   * @throws PathEscapeError (422) for a symlink on the way (follow off) or one leading outside the root.
   */
  async checkDir(dir: string, whole = dir): Promise<void> {
    const { root, list } = this.prefixes(dir);
    this.roomFor(list.length);
    const gen = this.gen;
    for (const d of list) {
      let p = this.verified.get(d);
      if (!p) {
        const mine = this.step(d, root, whole);
        p = mine;
        if (this.gen === gen) {
          this.verified.set(d, mine);
          // only a verified directory is remembered; a refusal is checked again next time
          const drop = (): void => { if (this.verified.get(d) === mine) this.verified.delete(d); };
          mine.then((s) => { if (s !== 'ok') drop(); }, drop);
        }
      }
      if ((await p) !== 'ok') return;
    }
  }

  /** Checks the directory that holds `path`. */
  checkParent(path: string): Promise<void> {
    return this.checkDir(posix.dirname(posix.normalize(path)), path);
  }

  /** `dir` and everything above it (below the root) exist now as directories we checked or made. */
  made(dir: string): void {
    const { list } = this.prefixes(dir);
    this.roomFor(list.length);
    const ok = Promise.resolve<Step>('ok');
    for (const d of list) this.verified.set(d, ok);
  }

  /** Forgets `path` and everything remembered below it (it was removed, renamed or replaced). */
  forget(path: string): void {
    const p = posix.normalize(path);
    if (!this.verified.has(p)) return;
    this.gen++;
    for (const k of [...this.verified.keys()]) if (k === p || k.startsWith(`${p}/`)) this.verified.delete(k);
  }

  /**
   * Checks a symlink about to be made at `path` with `target`, as confined-fs's checkLinkTarget does locally:
   * the target, resolved on the remote (symlinks already there followed), must be under the root and must not
   * be the link's own directory or one above it.
   * @throws PathEscapeError (422) naming link and target.
   */
  async checkLinkTarget(path: string, target: string): Promise<void> {
    const dir = posix.dirname(posix.normalize(path));
    const { root } = this.prefixes(dir);
    const [rootReal, dirReal] = await Promise.all([this.realOf(root), this.fs.realpath(dir)]);
    const real = await this.resolve(dirReal, target, { n: 0 });
    const shown = `${path} -> ${target}`;
    if (!isUnder(rootReal, real)) throw new PathEscapeError(`symlink ${shown} points outside ${rootReal} (to ${real})`);
    if (isUnder(real, dirReal)) throw new PathEscapeError(`symlink ${shown} points at its own directory or one above it`);
  }

  private async resolve(from: string, target: string, depth: { n: number }): Promise<string> {
    let cur = posix.isAbsolute(target) ? '/' : from;
    for (const name of target.split('/')) {
      if (name === '' || name === '.') continue;
      if (name === '..') { cur = posix.dirname(cur); continue; }
      const next = posix.join(cur, name);
      const st = await this.fs.stat(next);
      if (st?.isLink) {
        if (++depth.n > LINK_DEPTH_MAX) throw new PathEscapeError(`symlink target ${target}: too many levels of links`);
        cur = await this.resolve(cur, await this.fs.readlink(next), depth);
      } else cur = next;
    }
    return cur;
  }
}

/** What GuardedTransfer needs of the connection it wraps. */
export interface GuardableTransfer extends Transfer, RemoteInspector {
  /**
   * `exclusive`: create the file, failing with code ERR_EXISTS when the name exists (a symlink there is not
   * followed).
   */
  putStream(path: string, data: Readable, opts?: { signal?: AbortSignal; exclusive?: boolean }): Promise<void>;
}

/**
 * A Transfer whose writes are checked by a RemoteGuard first. A new file is created exclusively (O_EXCL: a
 * symlink planted at its name is not followed); an existing name is lstat'ed and written over only when it is a
 * regular file, refused when it is a symlink. A symlink at a rename's target is replaced, not followed.
 *
 * The race this cannot close: SFTP has no descriptor-relative calls and no O_NOFOLLOW for directories, so a
 * directory swapped for a symlink by someone else with write access on the remote, between our check (or while
 * it is remembered) and the request, wins. Only the remote's own permissions close that.
 */
export class GuardedTransfer implements Transfer {
  readonly guard: RemoteGuard;
  constructor(private readonly inner: GuardableTransfer, scope: WriteScope) {
    this.guard = new RemoteGuard(inner, scope);
  }

  get scheme(): string { return this.inner.scheme; }
  get alive(): boolean | undefined { return this.inner.alive; }

  async getStream(path: string, opts?: GetOptions): Promise<Readable> {
    await this.guard.checkParent(path);
    return this.inner.getStream(path, opts);
  }

  async putStream(path: string, data: Readable, opts: { signal?: AbortSignal } = {}): Promise<void> {
    await this.guard.checkParent(path);
    try {
      await this.inner.putStream(path, data, { ...opts, exclusive: true });
      return;
    } catch (e: unknown) {
      if ((e as { code?: unknown }).code !== 'ERR_EXISTS') throw e;
    }
    const st = await this.inner.stat(path);
    if (st?.isLink) throw new PathEscapeError(`remote path ${path} is a symlink: writing would follow it`);
    if (!st || st.isDir) throw new TransientError(`${this.scheme} put ${path}: ${st ? 'a directory' : 'exists, then vanished'}`, { code: 'ERR_EXISTS' });
    // a regular file (an earlier attempt's inflight file, or inflight None): written over in place
    await this.inner.putStream(path, data, opts);
  }

  async stat(path: string): Promise<RemoteEntry | undefined> {
    await this.guard.checkParent(path);
    return this.inner.stat(path);
  }

  async list(dir: string): Promise<RemoteEntry[]> {
    await this.guard.checkDir(dir);
    return this.inner.list(dir);
  }

  async mkdirp(dir: string): Promise<void> {
    await this.guard.checkDir(dir);
    await this.inner.mkdirp(dir);
    this.guard.made(dir);
  }

  async rename(from: string, to: string): Promise<void> {
    await Promise.all([this.guard.checkParent(from), this.guard.checkParent(to)]);
    this.guard.forget(from);
    this.guard.forget(to);
    await this.inner.rename(from, to);
  }

  async remove(path: string): Promise<void> {
    await this.guard.checkParent(path);
    this.guard.forget(path);
    await this.inner.remove(path);
  }

  async rmdir(path: string): Promise<void> {
    await this.guard.checkParent(path);
    this.guard.forget(path);
    await this.inner.rmdir(path);
  }

  async symlink(target: string, path: string): Promise<void> {
    await this.guard.checkParent(path);
    await this.guard.checkLinkTarget(path, target);
    this.guard.forget(path);
    await this.inner.symlink(target, path);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
