// SSM's `path_type: directory` outgoing spool: plain files, any names, oldest (mtime) first; no locking.
import { readdir, readFile, stat, unlink } from 'node:fs/promises';

/** The outgoing-spool operations the sender needs; QueueSimple and MessageDirectory both have them. */
export interface OutgoingSpool {
  names(): Promise<string[]>;
  lock(name: string): Promise<boolean>;
  unlock(name: string): Promise<boolean>;
  get(name: string): Promise<Buffer>;
  remove(name: string): Promise<void>;
  purge(): Promise<void>;
}

/** A plain directory of message files (SSM's MessageDirectory); dot files and subdirectories are skipped. */
export class MessageDirectory implements OutgoingSpool {
  constructor(readonly path: string) {}

  async names(): Promise<string[]> {
    const found: { n: string; t: number }[] = [];
    for (const n of await readdir(this.path)) {
      if (n.startsWith('.')) continue;
      const st = await stat(`${this.path}/${n}`).catch(() => undefined);
      if (st?.isFile()) found.push({ n, t: st.mtimeMs });
    }
    return found.sort((a, b) => a.t - b.t || (a.n < b.n ? -1 : 1)).map((x) => x.n);
  }
  async lock(): Promise<boolean> { return true; }
  async unlock(): Promise<boolean> { return true; }
  get(name: string): Promise<Buffer> { return readFile(`${this.path}/${name}`); }
  async remove(name: string): Promise<void> { await unlink(`${this.path}/${name}`); }
  async purge(): Promise<void> {}
}
