// python-dirq Queue on disk with a schema, byte for byte: <8-hex dir>/<14-hex element>/ holding one file per
// field, built in temporary/, locked by a `locked` subdirectory, removed through obsolete/. SSM's incoming
// and reject spools; python consumers (APEL's loader) keep reading them.
import { lstat, mkdir, open, readdir, readFile, rename, rmdir, unlink } from 'node:fs/promises';
import { DIRELT_RE, elementName, elementNames, isErrno, queueDirs, randomHex, specialMkdir } from './names.js';

/** A schema as python-dirq writes it: field -> 'string' | 'binary', `?` marks an optional field. */
export type Schema = Record<string, string>;
/** One element's fields; strings are written UTF-8, Buffers as they are. */
export type Element = Record<string, string | Buffer>;

/** SSM's incoming queue schema. */
export const SSM_SCHEMA: Schema = { body: 'string', signer: 'string', empaid: 'string?' };
/** SSM's reject queue schema. */
export const SSM_REJECT_SCHEMA: Schema = { body: 'string', signer: 'string?', empaid: 'string?', error: 'string' };

const FIELD_RE = /^[0-9a-zA-Z]+$/;

/** A python-dirq Queue (not QueueSimple): the directory `Queue(path, schema=...)` uses. */
export class Queue {
  private readonly rndhex = randomHex();
  private readonly types = new Map<string, { binary: boolean; mandatory: boolean }>();
  /**
   * @param path the queue's top directory
   * @param schema fields and types; python-dirq stores it nowhere on disk, so both ends must agree
   * @param maxelts elements per intermediate directory. @default 16000 (python-dirq's default)
   */
  constructor(readonly path: string, schema: Schema, readonly maxelts = 16000) {
    for (const [name, t] of Object.entries(schema)) {
      const m = /^(binary|string)([?*]{0,2})$/.exec(t);
      if (!FIELD_RE.test(name) || !m) throw new Error(`invalid dirq schema entry ${name}: ${t}`);
      this.types.set(name, { binary: m[1] === 'binary', mandatory: !m[2]!.includes('?') });
    }
  }

  /** Creates the top, temporary/ and obsolete/ directories if missing. */
  async init(): Promise<this> {
    await specialMkdir(this.path);
    await specialMkdir(`${this.path}/temporary`);
    await specialMkdir(`${this.path}/obsolete`);
    return this;
  }

  private dirs(): Promise<string[]> {
    return queueDirs(this.path);
  }

  /** Elements in a directory = its link count - 2 (python-dirq counts so on POSIX). */
  private async subdirs(dir: string): Promise<number> {
    return lstat(`${this.path}/${dir}`).then((s) => s.nlink - 2, () => 0);
  }

  private async insertionDirectory(): Promise<string> {
    const dirs = await this.dirs();
    if (dirs.length === 0) {
      await specialMkdir(`${this.path}/00000000`);
      return '00000000';
    }
    const last = dirs[dirs.length - 1]!;
    const n = await this.subdirs(last);
    if (n > 0 && n < this.maxelts) return last;
    const next = (parseInt(last, 16) + 1).toString(16).padStart(8, '0');
    await specialMkdir(`${this.path}/${next}`);
    return next;
  }

  /** Adds an element (every mandatory field given, no unknown one); returns `<dir>/<element>`. */
  async add(data: Element): Promise<string> {
    for (const k of Object.keys(data)) if (!this.types.has(k)) throw new Error(`unexpected dirq field: ${k}`);
    for (const [k, t] of this.types) if (t.mandatory && data[k] === undefined) throw new Error(`missing mandatory dirq field: ${k}`);
    let temp: string;
    do temp = `${this.path}/temporary/${elementName(this.rndhex)}`;
    while (!(await specialMkdir(temp)));
    for (const [k, v] of Object.entries(data)) {
      const fh = await open(`${temp}/${k}`, 'wx', 0o666);
      try { await fh.writeFile(v); } finally { await fh.close(); }
    }
    for (;;) {
      const name = `${await this.insertionDirectory()}/${elementName(this.rndhex)}`;
      try {
        await rename(temp, `${this.path}/${name}`);
        return name;
      } catch (err: unknown) {
        if (!isErrno(err, 'ENOTEMPTY', 'EEXIST')) throw err;
      }
    }
  }

  /** Every element name, oldest first. */
  names(): Promise<string[]> {
    return elementNames(this.path);
  }

  /** How many elements. */
  async count(): Promise<number> {
    return (await this.names()).length;
  }

  private check(name: string): void {
    if (!DIRELT_RE.test(name)) throw new Error(`invalid dirq element name: ${name}`);
  }

  /** Locks an element (mkdir `locked`); false if already locked or gone. */
  async lock(name: string): Promise<boolean> {
    this.check(name);
    try {
      await mkdir(`${this.path}/${name}/locked`);
      return true;
    } catch (err: unknown) {
      if (isErrno(err, 'EEXIST', 'ENOENT')) return false;
      throw err;
    }
  }

  /** Unlocks an element. */
  async unlock(name: string): Promise<void> {
    this.check(name);
    await rmdir(`${this.path}/${name}/locked`);
  }

  /** Reads a locked element's fields as bytes (optional ones absent when not written). */
  async get(name: string): Promise<Record<string, Buffer>> {
    this.check(name);
    await lstat(`${this.path}/${name}/locked`);
    const out: Record<string, Buffer> = {};
    for (const [k, t] of this.types) {
      try {
        out[k] = await readFile(`${this.path}/${name}/${k}`);
      } catch (err: unknown) {
        if (!isErrno(err, 'ENOENT') || t.mandatory) throw err;
      }
    }
    return out;
  }

  /** Removes a locked element: renamed into obsolete/, emptied, then deleted (python-dirq's order). */
  async remove(name: string): Promise<void> {
    this.check(name);
    await lstat(`${this.path}/${name}/locked`);
    let temp: string;
    for (;;) {
      temp = `${this.path}/obsolete/${elementName(this.rndhex)}`;
      try { await rename(`${this.path}/${name}`, temp); break; } catch (err: unknown) {
        if (!isErrno(err, 'ENOTEMPTY', 'EEXIST')) throw err;
      }
    }
    for (const f of await readdir(temp)) if (f !== 'locked') await unlink(`${temp}/${f}`);
    await rmdir(`${temp}/locked`);
    await rmdir(temp);
  }
}
