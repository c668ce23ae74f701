// Local file-system driver: file: URLs, and senders/subscribers writing to a local directory.
// Everything goes through fs.promises and streams: no synchronous calls on the hot path.
import { createWriteStream, promises as fsp } from 'node:fs';
import type { Stats } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TransientError } from '@sarra/common';
import { classifyError } from './classify.js';
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
export class FileTransfer implements Transfer {
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
    const rs = fh.createReadStream({ start: opts.offset ?? 0, autoClose: true, highWaterMark: 256 * 1024 });
    if (opts.signal) {
      const onAbort = (): void => { rs.destroy(opts.signal?.reason as Error | undefined); };
      opts.signal.addEventListener('abort', onAbort, { once: true });
      rs.once('close', () => opts.signal?.removeEventListener('abort', onAbort));
    }
    return rs;
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
      await fsp.mkdir(d, { recursive: true });
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

/** Driver for file: URLs. `file:///data/x` -> base directory /data/x. */
export const driver: Driver = {
  async open(url: URL): Promise<FileTransfer> {
    return new FileTransfer(decodeURIComponent(url.pathname) || '/');
  },
};
