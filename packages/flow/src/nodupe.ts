// Duplicate suppression (sr3 flowcb.nodupe.disk): key + path cache with a TTL, persisted per instance.
import { appendFile, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Options } from '@sarra/config';
import type { Logger } from '@sarra/common';
import { describeError, mkdirp } from '@sarra/common';
import type { Notice } from '@sarra/message';
import { REPORT, msFromTimestamp, timestampFromMs } from '@sarra/message';
import type { FlowHook, WorkItem } from './types.js';

/** Python `urllib.parse.quote(s)` (safe `/`): what sr3 writes as the path column. */
export function pyQuote(s: string): string {
  return encodeURIComponent(s)
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function pyUnquote(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Keys are written as one word: whitespace and `%` are percent-encoded (sr3 would split such a line). */
function encodeKey(k: string): string {
  return k.replace(/[\s%]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * File age limits on the notice's `mtime` (sr3 nodupe after_accept): older than `fileAgeMax` -> 406,
 * newer than `fileAgeMin` -> 425; with fileAgeMin 0, an mtime more than 100 s in the future is also 425.
 * Returns undefined when the item passes (or has no usable mtime).
 */
export function checkFileAge(o: Options, item: WorkItem, now: number = Date.now()): { code: number; reason: string } | undefined {
  const mt = item.notice.mtime;
  if (typeof mt !== 'string') return undefined;
  let mtime: number;
  try {
    mtime = msFromTimestamp(mt);
  } catch {
    return undefined;
  }
  const minMtime = o.fileAgeMax > 0 ? now - o.fileAgeMax * 1000 : 0;
  const maxMtime = o.fileAgeMin > 0 ? now - o.fileAgeMin * 1000 : now + 100_000;
  if (mtime < minMtime) {
    return { code: REPORT.tooOld, reason: `${mt} too old (nodupe check), oldest allowed ${timestampFromMs(minMtime)}` };
  }
  if (mtime > maxMtime) {
    return { code: REPORT.tooYoung, reason: `${mt} too new (nodupe check), newest allowed ${timestampFromMs(maxMtime)}` };
  }
  return undefined;
}

interface Claim {
  time: number;
  item: WorkItem;
}

/**
 * Duplicate suppression, active when `nodupe_ttl > 0`. An entry is a key ({@link NoDupe.key}) plus a path
 * (relPath without leading `/`; basis `name`: the file name; basis `data`: none); a notice is a duplicate when
 * the same key AND path was recorded less than `nodupe_ttl` seconds ago.
 *
 * `isDuplicate` does not record. It does remember, in memory only, that the item was let through, so a second
 * copy in the same batch (or while the first is still being worked on) is a duplicate too; a crash forgets
 * those claims. `record` (after the work succeeded) makes the entry durable: appended to the cache file soon
 * after, rewritten pruned by `save` (housekeeping, stop). `release` drops the claim of an item that failed for good.
 * Memory is bounded by the TTL: entries live in one Map in time order and expire from its front.
 */
export class NoDupe implements FlowHook {
  readonly name = 'nodupe';
  private readonly entries = new Map<string, number>();
  private readonly claims = new Map<string, Claim>();
  private pendingLines: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private flushQueued = false;
  private readonly ttlMs: number;
  private readonly log?: Logger;

  /**
   * @param stateFile the cache file, e.g. common's nodupeCacheFile(stateDir, instance)
   * @param opts.logger where load/save problems are reported
   */
  constructor(private readonly o: Options, readonly stateFile: string, opts: { logger?: Logger } = {}) {
    this.ttlMs = Math.max(0, o.nodupe_ttl) * 1000;
    this.log = opts.logger;
  }

  /** Key derivation of sr3 (flowcb/nodupe/__init__.py deriveKey), exactly; `basis` does not change the key. */
  static key(n: Notice, _basis = 'path'): string {
    const override = n['nodupe_override'];
    if (override && typeof override === 'object' && typeof (override as Record<string, unknown>).key === 'string') {
      const k = (override as Record<string, string>).key;
      if (k) return k;
    }
    let key: string | undefined;
    if (n.fileOp) {
      if (typeof n.fileOp.link === 'string') key = n.fileOp.link;
      else if (n.fileOp.directory !== undefined && n.fileOp.remove === undefined) key = n.relPath;
    } else if (n.identity && n.identity.method !== 'cod') {
      key = `${n.identity.method},${String(n.identity.value).replace(/\n/g, '')}`;
    }
    if (key) return key;
    const t = typeof n.mtime === 'string' ? n.mtime : n.pubTime;
    return n.size !== undefined ? `${n.relPath},${t},${n.size}` : `${n.relPath},${t}`;
  }

  /** The path half of an entry: relPath without leading `/` (override.path wins); `name` -> file name; `data` -> ''. */
  static path(n: Notice, basis = 'path'): string {
    const override = n['nodupe_override'];
    let path = n.relPath.replace(/^\/+/, '');
    if (override && typeof override === 'object' && typeof (override as Record<string, unknown>).path === 'string') {
      path = (override as Record<string, string>).path;
    }
    if (basis === 'data') return '';
    if (basis === 'name') return path.split('/').pop() ?? path;
    return path;
  }

  private ck(item: WorkItem): { key: string; path: string; ck: string } {
    const key = NoDupe.key(item.notice, this.o.nodupe_basis);
    const path = NoDupe.path(item.notice, this.o.nodupe_basis);
    return { key, path, ck: `${key}\n${path}` };
  }

  /** Drops expired entries and claims from the front of the time-ordered maps. */
  private prune(now: number): void {
    for (const [k, t] of this.entries) {
      if (t + this.ttlMs >= now) break;
      this.entries.delete(k);
    }
    for (const [k, c] of this.claims) {
      if (c.time + this.ttlMs >= now) break;
      this.claims.delete(k);
    }
  }

  /**
   * True when an entry with the same key and path was recorded (or claimed by another item) within the TTL.
   * Always false when `nodupe_ttl` is 0. A new item is claimed in memory (see the class comment).
   */
  isDuplicate(item: WorkItem, now: number = Date.now()): boolean {
    if (this.ttlMs <= 0) return false;
    this.prune(now);
    const { ck } = this.ck(item);
    const t = this.entries.get(ck);
    if (t !== undefined && t + this.ttlMs >= now) return true;
    const c = this.claims.get(ck);
    if (c && c.item !== item && c.time + this.ttlMs >= now) return true;
    this.claims.delete(ck);
    this.claims.set(ck, { time: now, item });
    return false;
  }

  /** True when the same key and path was recorded (work done) within the TTL; claims do not count. */
  isRecorded(item: WorkItem, now: number = Date.now()): boolean {
    if (this.ttlMs <= 0) return false;
    const t = this.entries.get(this.ck(item).ck);
    return t !== undefined && t + this.ttlMs >= now;
  }

  /** Records the item as done (call only after its work succeeded); appended to the cache file shortly after. */
  record(item: WorkItem, now: number = Date.now()): void {
    if (this.ttlMs <= 0) return;
    const { key, path, ck } = this.ck(item);
    this.claims.delete(ck);
    this.entries.delete(ck);
    this.entries.set(ck, now);
    this.pendingLines.push(`${encodeKey(key)} ${(now / 1000).toFixed(6)} ${pyQuote(path)}\n`);
    this.scheduleFlush();
  }

  /**
   * Records what another instance did (a vip peer's post, read from its output) unless this instance recorded it or
   * is working on it (claimed): its own posts, read back the same way, are recorded once, by the flow.
   */
  learn(item: WorkItem, now: number = Date.now()): void {
    if (this.ttlMs <= 0) return;
    const { ck } = this.ck(item);
    const t = this.entries.get(ck);
    const c = this.claims.get(ck);
    if ((t !== undefined && t + this.ttlMs >= now) || (c && c.time + this.ttlMs >= now)) return;
    this.record(item, now);
  }

  /** Forgets the in-memory claim of an item whose work failed for good, so another copy may pass. */
  release(item: WorkItem): void {
    const { ck } = this.ck(item);
    const c = this.claims.get(ck);
    if (c && c.item === item) this.claims.delete(ck);
  }

  /** Number of recorded entries (expired ones included until the next prune). */
  get size(): number {
    return this.entries.size;
  }

  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      void this.flush();
    });
  }

  /** Appends recorded entries not yet on disk. Never rejects (problems are logged). */
  flush(): Promise<void> {
    this.writing = this.writing.then(async () => {
      if (this.pendingLines.length === 0) return;
      const data = this.pendingLines.join('');
      this.pendingLines = [];
      try {
        await mkdirp(dirname(this.stateFile));
        await appendFile(this.stateFile, data);
      } catch (err: unknown) {
        this.log?.warning(`nodupe cache append ${this.stateFile}: ${describeError(err)}`);
      }
    });
    return this.writing;
  }

  /** Loads the cache file (missing file = empty; corrupt or expired lines skipped). */
  async load(now: number = Date.now()): Promise<void> {
    let text = '';
    try {
      text = await readFile(this.stateFile, 'utf8');
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log?.warning(`nodupe cache ${this.stateFile}: ${describeError(err)}`);
      return;
    }
    const loaded: [string, number][] = [];
    let bad = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const w = line.trim().split(/\s+/);
      const t = Number(w[1]) * 1000;
      if (w.length < 2 || !Number.isFinite(t)) {
        bad++;
        continue;
      }
      if (now - t > this.ttlMs) continue;
      // a data-basis entry has an empty path column
      loaded.push([`${pyUnquote(w[0]!)}\n${pyUnquote(w[2] ?? '')}`, t]);
    }
    loaded.sort((a, b) => a[1] - b[1]);
    for (const [ck, t] of loaded) {
      this.entries.delete(ck);
      this.entries.set(ck, t);
    }
    if (bad) this.log?.warning(`nodupe cache ${this.stateFile}: skipped ${bad} corrupt line(s)`);
  }

  /** Prunes expired entries and rewrites the cache file atomically (tmp + rename). */
  async save(now: number = Date.now()): Promise<void> {
    await this.flush();
    this.writing = this.writing.then(async () => {
      this.prune(now);
      this.pendingLines = [];
      const lines: string[] = [];
      for (const [ck, t] of this.entries) {
        const i = ck.indexOf('\n');
        lines.push(`${encodeKey(ck.slice(0, i))} ${(t / 1000).toFixed(6)} ${pyQuote(ck.slice(i + 1))}\n`);
      }
      const tmp = `${this.stateFile}.tmp`;
      try {
        await mkdirp(dirname(this.stateFile));
        await writeFile(tmp, lines.join(''));
        await rename(tmp, this.stateFile);
      } catch (err: unknown) {
        this.log?.warning(`nodupe cache save ${this.stateFile}: ${describeError(err)}`);
      }
    });
    return this.writing;
  }

  async onStart(): Promise<void> {
    await this.load();
  }

  async onHousekeeping(): Promise<void> {
    await this.save();
  }

  async onStop(): Promise<void> {
    await this.save();
  }

  metricsReport(): Record<string, unknown> {
    return { entries: this.entries.size, claims: this.claims.size };
  }
}
