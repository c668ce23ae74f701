// Local file-system driver: file: URLs, and senders/subscribers writing to a local directory.
// Everything goes through fs.promises and streams: no synchronous calls on the hot path.
import { constants as C, createWriteStream, promises as fsp } from 'node:fs';
import type { Stats } from 'node:fs';
import { basename, isAbsolute, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { mkdirp, PathEscapeError, TransientError } from '@sarra/common';
import { classifyError } from './classify.js';
import { checkLinkTarget, openDirUnder, openFileUnder, openParentUnder, realPathsIn } from './confined-fs.js';
import type { ConfinedDir } from './confined-fs.js';
import { isUnder } from './remote-confine.js';
import type { ConfinableTransfer, WriteScope } from './remote-confine.js';
import type { Driver } from './registry.js';
import type { GetOptions, RemoteEntry, Transfer } from './types.js';

function entryOf(name: string, st: Stats): RemoteEntry {
  return { name, size: st.size, mtime: st.mtimeMs, isDir: st.isDirectory(), isLink: st.isSymbolicLink(), mode: st.mode & 0o7777 };
}

function isMissing(e: unknown): boolean {
  return (e as { code?: unknown } | undefined)?.code === 'ENOENT';
}

/**
 * A Transfer on the local file system. Relative paths resolve against `base` (the file: URL's path).
 * remove()/rmdir() of something already gone succeed (deletes are idempotent for retries);
 * symlink() replaces an existing link or file at `path`.
 */
export class FileTransfer implements ConfinableTransfer {
  readonly scheme = 'file';
  constructor(private readonly base: string) {}

  private abs(p: string): string {
    return isAbsolute(p) ? p : join(this.base, p);
  }

  async getStream(path: string, opts: GetOptions = {}): Promise<Readable> {
    const p = this.abs(path);
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(p, 'r');
    } catch (e: unknown) {
      throw classifyError(e, `file get ${p}`);
    }
    return streamOf(fh, opts);
  }

  /** A view whose every write goes through confined-fs under `scope` (race-free: descriptor-relative calls). */
  confined(scope: WriteScope): Transfer {
    return new ConfinedFileTransfer(this, this.base, scope);
  }

  async putStream(path: string, data: Readable, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const p = this.abs(path);
    try {
      await pipeline(data, createWriteStream(p, { highWaterMark: 256 * 1024 }), { signal: opts.signal });
    } catch (e: unknown) {
      // a missing directory is fixed by mkdirp() on the next attempt: not a reason to drop the message
      if (isMissing(e)) throw new TransientError(`file put ${p}: directory missing`, { code: 'ERR_NO_DIR', cause: e });
      throw classifyError(e, `file put ${p}`);
    }
  }

  async stat(path: string): Promise<RemoteEntry | undefined> {
    const p = this.abs(path);
    try {
      return entryOf(basename(p), await fsp.lstat(p));
    } catch (e: unknown) {
      if (isMissing(e)) return undefined;
      throw classifyError(e, `file stat ${p}`);
    }
  }

  async list(dir: string): Promise<RemoteEntry[]> {
    const d = this.abs(dir);
    try {
      const names = await fsp.readdir(d);
      const out = await Promise.all(names.map(async (n) => {
        try {
          return entryOf(n, await fsp.lstat(join(d, n)));
        } catch (e: unknown) {
          if (isMissing(e)) return undefined; // removed while listing
          throw e;
        }
      }));
      return out.filter((e): e is RemoteEntry => e !== undefined);
    } catch (e: unknown) {
      throw classifyError(e, `file list ${d}`);
    }
  }

  async mkdirp(dir: string): Promise<void> {
    const d = this.abs(dir);
    try {
      await mkdirp(d);
    } catch (e: unknown) {
      throw classifyError(e, `file mkdir ${d}`);
    }
  }

  async rename(from: string, to: string): Promise<void> {
    const f = this.abs(from), t = this.abs(to);
    try {
      await fsp.rename(f, t);
    } catch (e: unknown) {
      throw classifyError(e, `file rename ${f} -> ${t}`);
    }
  }

  async remove(path: string): Promise<void> {
    const p = this.abs(path);
    try {
      await fsp.unlink(p);
    } catch (e: unknown) {
      if (!isMissing(e)) throw classifyError(e, `file remove ${p}`);
    }
  }

  async rmdir(path: string): Promise<void> {
    const p = this.abs(path);
    try {
      await fsp.rmdir(p);
    } catch (e: unknown) {
      if (!isMissing(e)) throw classifyError(e, `file rmdir ${p}`);
    }
  }

  async symlink(target: string, path: string): Promise<void> {
    const p = this.abs(path);
    try {
      await fsp.unlink(p).catch((e: unknown) => { if (!isMissing(e)) throw e; });
      await fsp.symlink(target, p);
    } catch (e: unknown) {
      throw classifyError(e, `file symlink ${p} -> ${target}`);
    }
  }

  async close(): Promise<void> {
    // nothing held open between calls
  }
}

function streamOf(fh: fsp.FileHandle, opts: GetOptions): Readable {
  const rs = fh.createReadStream({ start: opts.offset ?? 0, autoClose: true, highWaterMark: 256 * 1024 });
  if (opts.signal) {
    const onAbort = (): void => { rs.destroy(opts.signal?.reason as Error | undefined); };
    opts.signal.addEventListener('abort', onAbort, { once: true });
    rs.once('close', () => opts.signal?.removeEventListener('abort', onAbort));
  }
  return rs;
}

/** Open flags of a file written: no symlink followed at its name, no wait on a FIFO there (ENXIO instead). */
const PUT_FLAGS = C.O_WRONLY | C.O_CREAT | C.O_TRUNC | C.O_NOFOLLOW | C.O_NONBLOCK;

/**
 * FileTransfer's writes confined under a WriteScope: every path is reached through confined-fs, one component at
 * a time from the root's descriptor, so a symlink on the way (follow off) or one leading out (follow on) is
 * refused with PathEscapeError (422), and a swap between check and use cannot win. A symlink at a written
 * file's name is refused (O_NOFOLLOW); rename replaces one; a link's target is checked on disk (checkLinkTarget).
 * The root of a path: the scope root when the path is under it, `base` for a relative path, else `/`.
 */
class ConfinedFileTransfer implements Transfer {
  readonly scheme = 'file';
  private readonly root: string;
  constructor(private readonly inner: FileTransfer, private readonly base: string, private readonly scope: WriteScope) {
    this.root = posix.resolve(scope.root);
  }

  private where(path: string): { root: string; abs: string } {
    const abs = posix.resolve(this.base, path);
    if (isUnder(this.root, abs)) return { root: this.root, abs };
    return { root: isAbsolute(path) ? '/' : posix.resolve(this.base), abs };
  }

  /** Runs `fn` in the opened parent of `path`; fs errors are classified with real paths (not /proc/self/fd). */
  private async inParent<T>(what: string, path: string, fn: (dir: ConfinedDir, name: string) => Promise<T>, missing?: () => T): Promise<T> {
    const { root, abs } = this.where(path);
    let opened: { dir: ConfinedDir; name: string };
    try {
      opened = await openParentUnder(root, abs, { follow: this.scope.follow });
    } catch (e: unknown) {
      if (missing && code(e) === 'ENOENT') return missing();
      throw classifyError(e, `file ${what} ${abs}`);
    }
    const { dir, name } = opened;
    try {
      return await fn(dir, name);
    } catch (e: unknown) {
      if (missing && code(e) === 'ENOENT') return missing();
      if (e instanceof Error) e.message = realPathsIn(e.message);
      throw classifyError(e, `file ${what} ${abs}`);
    } finally {
      await dir.close();
    }
  }

  async getStream(path: string, opts: GetOptions = {}): Promise<Readable> {
    const { root, abs } = this.where(path);
    try {
      return streamOf(await openFileUnder(root, abs, { follow: this.scope.follow }), opts);
    } catch (e: unknown) {
      throw classifyError(e, `file get ${abs}`);
    }
  }

  async putStream(path: string, data: Readable, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const noDir = (): never => { throw new TransientError(`file put ${path}: directory missing`, { code: 'ERR_NO_DIR' }); };
    await this.inParent('put', path, async (dir, name) => {
      let fh: fsp.FileHandle;
      try {
        fh = await fsp.open(dir.at(name), PUT_FLAGS, 0o666);
      } catch (e: unknown) {
        if (code(e) === 'ELOOP') throw new PathEscapeError(`${dir.real}/${name} is a symlink: writing would follow it`);
        if (code(e) === 'ENXIO') throw new PathEscapeError(`${dir.real}/${name} is not a regular file`);
        throw e;
      }
      try {
        if (!(await fh.stat()).isFile()) throw new PathEscapeError(`${dir.real}/${name} is not a regular file`);
      } catch (e: unknown) {
        await fh.close();
        throw e;
      }
      await pipeline(data, fh.createWriteStream({ highWaterMark: 256 * 1024 }), { signal: opts.signal });
    }, noDir);
  }

  async stat(path: string): Promise<RemoteEntry | undefined> {
    return this.inParent('stat', path, async (dir, name) => entryOf(name, await fsp.lstat(dir.at(name))), () => undefined);
  }

  async list(dir: string): Promise<RemoteEntry[]> {
    const { root, abs } = this.where(dir);
    let d: ConfinedDir;
    try {
      d = await openDirUnder(root, abs, { follow: this.scope.follow });
    } catch (e: unknown) {
      throw classifyError(e, `file list ${abs}`);
    }
    try {
      return await this.inner.list(`/proc/self/fd/${d.fd}`);
    } finally {
      await d.close();
    }
  }

  async mkdirp(dir: string): Promise<void> {
    const { root, abs } = this.where(dir);
    try {
      await (await openDirUnder(root, abs, { create: true, follow: this.scope.follow })).close();
    } catch (e: unknown) {
      throw classifyError(e, `file mkdir ${abs}`);
    }
  }

  async rename(from: string, to: string): Promise<void> {
    await this.inParent('rename', from, (fd, fn) => this.inParent('rename', to, (td, tn) => fsp.rename(fd.at(fn), td.at(tn))));
  }

  async remove(path: string): Promise<void> {
    await this.inParent('remove', path, (dir, name) => fsp.unlink(dir.at(name)), () => undefined);
  }

  async rmdir(path: string): Promise<void> {
    await this.inParent('rmdir', path, (dir, name) => fsp.rmdir(dir.at(name)), () => undefined);
  }

  async symlink(target: string, path: string): Promise<void> {
    await this.inParent('symlink', path, async (dir, name) => {
      await checkLinkTarget(dir, name, target);
      await fsp.unlink(dir.at(name)).catch((e: unknown) => { if (code(e) !== 'ENOENT') throw e; });
      await fsp.symlink(target, dir.at(name));
    });
  }

  async close(): Promise<void> {
    // nothing held open between calls
  }
}

function code(e: unknown): string | undefined {
  return (e as { code?: string } | undefined)?.code;
}

/** Driver for file: URLs. `file:///data/x` -> base directory /data/x. */
export const driver: Driver = {
  async open(url: URL): Promise<FileTransfer> {
    return new FileTransfer(decodeURIComponent(url.pathname) || '/');
  },
};
