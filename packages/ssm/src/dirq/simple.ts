// python-dirq QueueSimple on disk, byte for byte: <8-hex dir>/<14-hex element>, `.tmp` while written,
// a `.lck` hard link while locked. SSM's outgoing spool; python producers keep writing into it.
import { link, open, readdir, readFile, rmdir, stat, unlink, utimes } from 'node:fs/promises';
import { elementName, elementNames, isErrno, queueDirs, randomHex, specialMkdir } from './names.js';

const TMP = '.tmp';
const LCK = '.lck';

/** A QueueSimple spool: the same directory python-dirq's QueueSimple(path) uses. */
export class QueueSimple {
  private readonly rndhex = randomHex();
  /**
   * @param path the queue's top directory (created if missing)
   * @param granularity seconds per intermediate directory. @default 60 (python-dirq's default)
   */
  constructor(readonly path: string, readonly granularity = 60) {}

  /** Creates the top directory if missing. */
  async init(): Promise<this> {
    await specialMkdir(this.path);
    return this;
  }

  private addDir(): string {
    let now = Math.floor(Date.now() / 1000);
    if (this.granularity > 1) now -= now % this.granularity;
    return now.toString(16).padStart(8, '0');
  }

  /** Adds `data` (bytes kept exactly) and returns its name `<dir>/<element>`. */
  async add(data: Uint8Array | string): Promise<string> {
    const dir = this.addDir();
    let tmp: string;
    for (;;) {
      tmp = `${this.path}/${dir}/${elementName(this.rndhex)}${TMP}`;
      try {
        const fh = await open(tmp, 'wx', 0o666);
        try { await fh.writeFile(data); } finally { await fh.close(); }
        break;
      } catch (err: unknown) {
        if (isErrno(err, 'ENOENT')) { await specialMkdir(`${this.path}/${dir}`); continue; }
        if (!isErrno(err, 'EEXIST')) throw err;
      }
    }
    for (;;) {
      const name = elementName(this.rndhex);
      try {
        await link(tmp, `${this.path}/${dir}/${name}`);
      } catch (err: unknown) {
        if (isErrno(err, 'EEXIST')) continue;
        throw err;
      }
      await unlink(tmp);
      return `${dir}/${name}`;
    }
  }

  private dirs(): Promise<string[]> {
    return queueDirs(this.path);
  }

  /** Every element name, oldest first (locked ones included, temporary ones not). */
  names(): Promise<string[]> {
    return elementNames(this.path);
  }

  /** How many elements, locked or not. */
  async count(): Promise<number> {
    return (await this.names()).length;
  }

  /** Locks `name` (hard link `<name>.lck`); false if it is already locked or gone. */
  async lock(name: string): Promise<boolean> {
    const path = `${this.path}/${name}`;
    try {
      await link(path, path + LCK);
    } catch (err: unknown) {
      if (isErrno(err, 'EEXIST', 'ENOENT')) return false;
      throw err;
    }
    try {
      const now = new Date();
      await utimes(path, now, now);
    } catch (err: unknown) {
      if (isErrno(err, 'ENOENT')) { await unlink(path + LCK).catch(() => {}); return false; }
      throw err;
    }
    return true;
  }

  /** Is `name` locked (its `.lck` link exists)? */
  async isLocked(name: string): Promise<boolean> {
    return stat(`${this.path}/${name}${LCK}`).then(() => true, () => false);
  }

  /** Unlocks `name`; false if it was not locked. */
  async unlock(name: string): Promise<boolean> {
    try {
      await unlink(`${this.path}/${name}${LCK}`);
      return true;
    } catch (err: unknown) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
  }

  /** The bytes of a locked element. */
  get(name: string): Promise<Buffer> {
    return readFile(`${this.path}/${name}${LCK}`);
  }

  /**
   * Removes the locks left without their element by a removal cut short (the element goes first, then its lock):
   * such an element was already removed, so its lock is debris. Returns how many went. Only for a sole owner of
   * the queue (after a crash), since a live remover may be between its two unlinks.
   */
  async dropOrphanLocks(): Promise<number> {
    let n = 0;
    for (const d of await queueDirs(this.path)) {
      const names = await readdir(`${this.path}/${d}`).catch(() => [] as string[]);
      const present = new Set(names);
      for (const f of names) {
        if (!f.endsWith(LCK) || present.has(f.slice(0, -LCK.length))) continue;
        await unlink(`${this.path}/${d}/${f}`).catch((err: unknown) => { if (!isErrno(err, 'ENOENT')) throw err; });
        n++;
      }
    }
    return n;
  }

  /** Removes a locked element (the element, then its lock, as python-dirq does). */
  async remove(name: string): Promise<void> {
    await unlink(`${this.path}/${name}`);
    await unlink(`${this.path}/${name}${LCK}`);
  }

  /**
   * python-dirq's purge: removes `.tmp` files older than `maxtemp` s, unlocks locks older than `maxlock` s
   * (0 disables either), and removes empty intermediate directories but the newest.
   */
  async purge(maxtemp = 300, maxlock = 600): Promise<void> {
    const dirs = await this.dirs();
    const now = Date.now() / 1000;
    for (const d of dirs) {
      for (const n of await readdir(`${this.path}/${d}`).catch(() => [] as string[])) {
        const isTmp = n.endsWith(TMP);
        if (!isTmp && !n.endsWith(LCK)) continue;
        const max = isTmp ? maxtemp : maxlock;
        if (!max) continue;
        const st = await stat(`${this.path}/${d}/${n}`).catch(() => undefined);
        if (st && st.mtimeMs / 1000 < now - max) await unlink(`${this.path}/${d}/${n}`).catch(() => {});
      }
    }
    for (const d of dirs.slice(0, -1)) {
      if ((await readdir(`${this.path}/${d}`).catch(() => ['x'])).length === 0) await rmdir(`${this.path}/${d}`).catch(() => {});
    }
  }
}
