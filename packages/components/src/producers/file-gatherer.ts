// The post gatherer: walks the given local paths once and yields one work item per file (and directory).
import { lstat as lstatCb } from 'node:fs';
import { lstat as lstatP, opendir, realpath, stat as statP } from 'node:fs/promises';
import { promisify } from 'node:util';
import { posix } from 'node:path';
import type { Stats } from 'node:fs';
import type { Gatherer, WorkItem } from '@sarra/flow';
import { describeError, type Logger } from '@sarra/common';
import { noticeOfPath, type NoticeSpec } from './fileinfo.js';

export interface FileGathererOptions extends NoticeSpec {
  /** Absolute paths (files or directories) to post. */
  paths: string[];
  /** Announce directories themselves (fileOp directory), as sr3 post does. @default true */
  postDirectories?: boolean;
  /** Descend into sub-directories. @default true */
  recursive?: boolean;
  /** Files stat'ed, read and hashed at once. @default 64 */
  concurrency?: number;
  /**
   * sr3's `follow_symlinks`: a symlink is still announced as a link, and what it leads to is posted too: a
   * directory is walked through the link's path, a file is posted at its real path. Each directory is walked
   * once (a link back up the tree is not followed again). Off: links are announced and never followed.
   * @default false
   */
  followSymlinks?: boolean;
  logger: Logger;
}

/** A walked path; `st` is known for the top paths, the rest are lstat'ed by the hashing workers. */
/** The callback lstat (less per-call overhead than the promise API on the hot path). */
const lstat = promisify(lstatCb);

interface Entry { abs: string; st?: Stats }

/**
 * One-shot gatherer over a set of local paths. Symlinks are announced as links, and followed only with followSymlinks.
 * The walk is one async generator; stat, read and hash run `concurrency` at a time, and the next
 * batch is prepared while the engine posts the current one. `done()` turns true once the walk is over
 * and every entry was handed out; files that vanish or cannot be read are logged and counted in `failures`.
 */
export class FileGatherer implements Gatherer {
  readonly name = 'gather.file';
  /** Paths that could not be read (lstat/read errors): the caller makes the exit code non-zero. */
  failures = 0;
  private walker?: AsyncGenerator<Entry>;
  private walkOver = false;
  private readonly concurrency: number;
  private walked = 0;
  private ahead?: Promise<WorkItem[]>;
  private buffer: WorkItem[] = [];

  constructor(private readonly opts: FileGathererOptions) {
    this.concurrency = Math.max(1, opts.concurrency ?? 64);
  }

  async start(): Promise<void> {
    this.walker = this.walk();
  }

  /**
   * What a symlink at `abs` leads to, when followSymlinks: 'dir' (to be walked through `abs`, once per
   * directory), the real path of a file, or undefined (dangling, something else, or a directory already walked).
   */
  private async follow(abs: string, walked: Set<string>): Promise<'dir' | Entry | undefined> {
    try {
      const st = await statP(abs);
      if (st.isDirectory()) return claim(walked, st) ? 'dir' : undefined;
      if (st.isFile()) return { abs: await realpath(abs), st };
    } catch (e: unknown) {
      this.opts.logger.warning(`follow_symlinks: ${abs} leads nowhere: ${describeError(e)}`);
    }
    return undefined;
  }

  private async *walk(): AsyncGenerator<Entry> {
    const dirs = this.opts.postDirectories ?? true;
    const recursive = this.opts.recursive ?? true;
    const follow = this.opts.followSymlinks === true;
    /** dev:ino of the directories walked (followSymlinks): a link back up the tree is not walked again. */
    const walked = new Set<string>();
    for (const p of this.opts.paths) {
      const top = posix.resolve(p);
      let st: Stats;
      try {
        st = await lstatP(top);
      } catch (e: unknown) {
        this.failures++;
        this.opts.logger.error(`cannot post ${top}: ${describeError(e)}`);
        continue;
      }
      if (!st.isDirectory()) {
        yield { abs: top, st };
        // a top path that is a link to a directory is walked through it (followSymlinks)
        const to = follow && st.isSymbolicLink() ? await this.follow(top, walked) : undefined;
        if (to !== 'dir') {
          if (to) yield to;
          continue;
        }
      } else {
        if (dirs) yield { abs: top, st };
        if (follow) claim(walked, st);
      }
      const stack = [top];
      while (stack.length) {
        const dir = stack.pop()!;
        const ents: { name: string; dir: boolean; post: boolean; link: boolean }[] = [];
        try {
          for await (const ent of await opendir(dir, { bufferSize: 256 })) {
            ents.push({ name: ent.name, dir: ent.isDirectory(), post: ent.isFile() || ent.isSymbolicLink() || ent.isDirectory(), link: ent.isSymbolicLink() });
          }
        } catch (e: unknown) {
          this.failures++;
          this.opts.logger.error(`cannot list ${dir}: ${describeError(e)}`);
          continue;
        }
        ents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        const subdirs: string[] = [];
        for (const ent of ents) {
          const abs = `${dir}/${ent.name}`;
          if (ent.dir) {
            if (dirs) yield { abs };
            if (recursive && (!follow || claim(walked, await statP(abs).catch(() => undefined)))) subdirs.push(abs);
          } else if (ent.post) {
            yield { abs };
            if (!follow || !ent.link) continue;
            const to = await this.follow(abs, walked);
            if (to === 'dir') { if (recursive) subdirs.push(abs); } else if (to) yield to;
          }
        }
        // depth-first, in name order
        for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
      }
    }
  }

  /** Walks up to `max` entries and builds their notices, `concurrency` at a time. */
  private async batch(max: number): Promise<WorkItem[]> {
    if (!this.walker || this.walkOver) return [];
    const entries: Entry[] = [];
    while (entries.length < max) {
      const r = await this.walker.next();
      if (r.done) {
        this.walkOver = true;
        break;
      }
      entries.push(r.value);
    }
    this.walked += entries.length;
    const out: (WorkItem | undefined)[] = new Array(entries.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < entries.length) {
        const i = next++;
        const e = entries[i]!;
        try {
          const st = e.st ?? await lstat(e.abs);
          const notice = await noticeOfPath(this.opts, e.abs, st);
          // the post_baseDir itself has no relPath: nothing a subscriber could place
          if (notice.relPath !== '') out[i] = { notice };
        } catch (err: unknown) {
          if ((err as { code?: string }).code === 'ENOENT') {
            this.opts.logger.warning(`vanished before posting: ${e.abs}`);
            continue;
          }
          this.failures++;
          this.opts.logger.error(`cannot post ${e.abs}: ${describeError(err)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, entries.length) }, worker));
    return out.filter((x): x is WorkItem => x !== undefined);
  }

  async gather(max: number, signal: AbortSignal): Promise<WorkItem[]> {
    if (signal.aborted) return [];
    if (!this.buffer.length) {
      const current = this.ahead ?? this.batch(max);
      this.ahead = undefined;
      this.buffer = await current;
    }
    const items = this.buffer.splice(0, max);
    // read ahead: the next batch is hashed while the engine filters and posts this one
    if (!this.buffer.length && !this.walkOver && !signal.aborted) {
      this.ahead = this.batch(max);
      this.ahead.catch(() => undefined);
    }
    return items;
  }

  done(): boolean {
    return this.walkOver && !this.ahead && !this.buffer.length;
  }

  async stop(): Promise<void> {
    await this.ahead?.catch(() => undefined);
    this.ahead = undefined;
    await this.walker?.return(undefined);
    this.walkOver = true;
  }

  metrics(): Record<string, number> {
    return { walked: this.walked, failures: this.failures };
  }
}

/** Marks a directory walked (by dev:ino); false when it already was (or could not be stat'ed). */
function claim(walked: Set<string>, st: Stats | undefined): boolean {
  if (!st) return false;
  const key = `${st.dev}:${st.ino}`;
  if (walked.has(key)) return false;
  walked.add(key);
  return true;
}
