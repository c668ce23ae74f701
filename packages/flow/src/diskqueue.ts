// On-disk retry queue: an append-only JSON-lines log of puts and removals that survives kill -9.
import { access, appendFile, open, readFile, rename, truncate, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '@sarra/common';
import { describeError, mkdirp } from '@sarra/common';
import { NoDupe } from './nodupe.js';
import type { WorkItem } from './types.js';

interface Entry {
  id: number;
  /** ms since epoch when this line was put. */
  t: number;
  /** ms since epoch from which the TTL counts (item.retrySince, else t). */
  since: number;
  key: string;
  /** The put record as written (JSON + '\n'): items are parsed again on get, so callers never share objects. */
  line: string;
}

export interface DiskQueueOptions {
  /** fsync after each append: survives power loss, not only a process kill. @default false */
  fsync?: boolean;
  logger?: Logger;
  /** Clock in ms (tests). @default Date.now */
  now?: () => number;
  /** Earlier names of this queue (common's legacyRetryQueueFiles): while `file` is missing, the first that exists is renamed to it at `open`. */
  legacy?: readonly string[];
}

function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

/** The part of a WorkItem that is stored: everything but the ack callback. */
function storable(item: WorkItem): Omit<WorkItem, 'ack' | 'raw'> {
  const { ack: _ack, raw: _raw, ...rest } = item;
  return rest;
}

/** The queue entry an item handed out by `get` came from (non-enumerable: never stored, never copied by a spread). */
const ENTRY_ID = Symbol('diskqueue entry');

/**
 * A FIFO of work items on disk. The file holds one JSON object per line: `{"id","t","item"}` for a put and
 * `{"done":[ids]}` for removals; reading it back replays both. Appends are serialized and `put` resolves
 * only once its line is written (appendFile: in the kernel, so a kill -9 keeps it; with `fsync`, on disk).
 *
 * Nothing handed out is lost: `get(max)` takes the oldest waiting items out of memory, but their removal is
 * written only when the caller is done with them, i.e. at the next `get`, `commit`, `housekeeping` or `close`
 * (the engine re-`put`s the ones that failed before its next pass, and calls housekeeping between passes).
 * A crash in between redelivers them. An item still being worked past that point (a transfer carried over to a
 * later pass) is `hold`-ed: its removal waits for `release`, and housekeeping keeps it in the rewritten file.
 * A torn last line (kill during a write) is cut off at `open`; other unreadable lines are skipped and logged.
 * `housekeeping` rewrites the file (tmp + rename) with the live items only, dropping duplicates (same
 * nodupe key and relPath) and items older than the TTL (counted from `retrySince`, else from the put).
 * All items are kept in memory as their JSON line (the queue is sized by the retry TTL).
 */
export class DiskQueue {
  private readonly waiting = new Map<number, Entry>();
  private readonly handedOut = new Map<number, Entry>();
  /** Handed out and still being worked: not committed until released. */
  private readonly held = new Map<number, Entry>();
  private nextId = 1;
  private chain: Promise<void> = Promise.resolve();
  private opened = false;
  private readonly now: () => number;
  private readonly log?: Logger;
  private dropped = 0;

  /**
   * @param file the queue file, e.g. common's retryQueueFile(stateDir, 'work', instance)
   * @param ttlSeconds items older than this are dropped (0 = kept forever); sr3 `retry_ttl`
   */
  constructor(readonly file: string, private readonly ttlSeconds: number, private readonly opts: DiskQueueOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.log = opts.logger;
  }

  /** Loads the file (missing = empty queue), cutting a torn last line. Idempotent. */
  async open(): Promise<void> {
    if (this.opened) return;
    this.opened = true;
    await mkdirp(dirname(this.file));
    await this.adoptLegacy();
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const lastNl = text.lastIndexOf('\n');
    if (lastNl + 1 < text.length) {
      // a kill -9 in the middle of an append: the partial record was never acknowledged to anyone
      await truncate(this.file, Buffer.byteLength(text.slice(0, lastNl + 1)));
      this.log?.warning(`retry queue ${this.file}: cut a torn last line`);
      text = text.slice(0, lastNl + 1);
    }
    let bad = 0;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let rec: { id?: unknown; t?: unknown; item?: unknown; done?: unknown };
      try {
        rec = JSON.parse(line) as typeof rec;
      } catch {
        bad++;
        continue;
      }
      if (Array.isArray(rec.done)) {
        for (const id of rec.done) this.waiting.delete(Number(id));
        continue;
      }
      if (typeof rec.id !== 'number' || !rec.item || typeof rec.item !== 'object') {
        bad++;
        continue;
      }
      const item = rec.item as WorkItem;
      if (!item.notice || typeof item.notice.relPath !== 'string') {
        bad++;
        continue;
      }
      const t = typeof rec.t === 'number' ? rec.t : this.now();
      this.waiting.set(rec.id, this.entry(rec.id, t, item, `${line}\n`));
      if (rec.id >= this.nextId) this.nextId = rec.id + 1;
    }
    if (bad) this.log?.warning(`retry queue ${this.file}: skipped ${bad} unreadable line(s)`);
  }

  /** Renames the first existing legacy file to `file` when `file` does not exist yet. */
  private async adoptLegacy(): Promise<void> {
    if (!this.opts.legacy?.length || (await exists(this.file))) return;
    for (const old of this.opts.legacy) {
      if (!(await exists(old))) continue;
      await rename(old, this.file);
      this.log?.info(`retry queue ${old} renamed to ${this.file}`);
      return;
    }
  }

  private entry(id: number, t: number, item: WorkItem, line: string): Entry {
    return { id, t, since: item.retrySince ?? t, key: `${NoDupe.key(item.notice)}\n${item.notice.relPath}`, line };
  }

  /** Serializes file operations; a failed one rejects its caller but does not poison the chain. */
  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const run = this.chain.then(op);
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async append(data: string): Promise<void> {
    if (!this.opts.fsync) {
      await appendFile(this.file, data);
      return;
    }
    const fh = await open(this.file, 'a');
    try {
      await fh.appendFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  /** Appends items; resolves once they are written. Rejects (nothing queued) when the write fails. */
  put(items: WorkItem[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return this.enqueue(async () => {
      await this.open();
      const t = this.now();
      const entries = items.map((item) => {
        const id = this.nextId++;
        return this.entry(id, t, item, `${JSON.stringify({ id, t, item: storable(item) })}\n`);
      });
      await this.append(entries.map((e) => e.line).join(''));
      for (const e of entries) this.waiting.set(e.id, e);
    });
  }

  private expired(e: Entry, now: number): boolean {
    return this.ttlSeconds > 0 && now - e.since > this.ttlSeconds * 1000;
  }

  /** Writes the removal of everything handed out so far (call when those items are done or re-put). */
  commit(): Promise<void> {
    return this.enqueue(() => this.commitNow());
  }

  private async commitNow(): Promise<void> {
    if (this.handedOut.size === 0) return;
    const ids = [...this.handedOut.keys()];
    await this.append(`${JSON.stringify({ done: ids })}\n`);
    this.handedOut.clear();
  }

  /**
   * Up to `max` of the oldest waiting items (expired ones are dropped on the way). First commits the removal
   * of the items the previous `get` handed out: the caller must have finished or re-put them.
   */
  get(max: number): Promise<WorkItem[]> {
    return this.enqueue(async () => {
      await this.open();
      await this.commitNow();
      const now = this.now();
      const out: WorkItem[] = [];
      for (const [id, e] of this.waiting) {
        if (out.length >= max) break;
        this.waiting.delete(id);
        this.handedOut.set(id, e);
        if (this.expired(e, now)) {
          this.dropped++;
          continue;
        }
        const item = (JSON.parse(e.line) as { item: WorkItem }).item;
        Object.defineProperty(item, ENTRY_ID, { value: id });
        out.push(item);
      }
      return out;
    });
  }

  /**
   * Items handed out by `get` that are still being worked after the caller's next `get` (carried-over
   * transfers): their removal is not committed (a crash redelivers them) until {@link release}.
   */
  hold(items: WorkItem[]): void {
    for (const it of items) {
      const id = (it as { [ENTRY_ID]?: number })[ENTRY_ID];
      const e = id === undefined ? undefined : this.handedOut.get(id);
      if (e) { this.handedOut.delete(id!); this.held.set(id!, e); }
    }
  }

  /** Held items now finished or re-put: their removal is committed with the next `get`, `commit` or `close`. */
  release(items: WorkItem[]): void {
    for (const it of items) {
      const id = (it as { [ENTRY_ID]?: number })[ENTRY_ID];
      const e = id === undefined ? undefined : this.held.get(id);
      if (e) { this.held.delete(id!); this.handedOut.set(id!, e); }
    }
  }

  /** Items waiting (not handed out). */
  size(): number {
    return this.waiting.size;
  }

  /** Items handed out by `get` whose removal is not yet written (held ones included). */
  inFlight(): number {
    return this.handedOut.size + this.held.size;
  }

  /** Items dropped for age since the queue was created. */
  droppedCount(): number {
    return this.dropped;
  }

  /**
   * Consolidation, to be called between passes (when everything handed out is finished or re-put, as the
   * engine and the poster do): commits the handed-out items, then rewrites the file with the waiting items
   * only (deduplicated, unexpired), atomically.
   */
  housekeeping(): Promise<void> {
    return this.enqueue(async () => {
      await this.open();
      // without this, the last batch of a drained queue would stay uncommitted until close (no further get)
      this.handedOut.clear();
      const now = this.now();
      // dedup among waiting items only: a handed-out item that failed again was re-put under the same key,
      // and that copy is the one that survives its commit
      const seen = new Set<string>();
      for (const [id, e] of this.waiting) {
        if (this.expired(e, now) || seen.has(e.key)) {
          if (this.expired(e, now)) this.dropped++;
          this.waiting.delete(id);
          continue;
        }
        seen.add(e.key);
      }
      // held items are still being worked: they stay in the file until released (never deduplicated away)
      const lines = [...this.waiting.values(), ...this.held.values()].map((e) => e.line).join('');
      const tmp = `${this.file}.tmp`;
      await writeFile(tmp, lines);
      if (this.opts.fsync) {
        const fh = await open(tmp, 'r+');
        try {
          await fh.sync();
        } finally {
          await fh.close();
        }
      }
      await rename(tmp, this.file);
    });
  }

  /** Commits what was handed out (see the class comment: call when those items are finished) and waits for pending writes. */
  async close(): Promise<void> {
    await this.commit().catch((err: unknown) => this.log?.warning(`retry queue ${this.file}: ${describeError(err)}`));
    await this.chain;
  }
}
