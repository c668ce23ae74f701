// Poll listings: remote directory paths, one notice per remote entry, and the "already announced" cache.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, posix } from 'node:path';
import type { RemoteEntry } from '@sarra/transfer';
import { remoteNotice, type Notice, type RemoteNoticeSpec } from '@sarra/message';
import { stamp } from './fileinfo.js';
import { mkdirp } from '@sarra/common';

/**
 * The remote directory to list for `path` under `pollUrl`. An absolute `path` is used as is. A relative
 * one goes under the URL path when it has one; with a bare `sftp://host/` it stays relative (sr3's sftp
 * `cd`: relative to the login directory). For http(s) the driver resolves a relative path under the URL.
 */
export function remoteDirOf(pollUrl: string, path: string): string {
  if (posix.isAbsolute(path)) return posix.normalize(path);
  const base = decodeURIComponent(new URL(pollUrl).pathname || '/') || '/';
  if (base === '/') return posix.normalize(path || '.');
  return posix.join(base.startsWith('/') ? base : `/${base}`, path || '.');
}

/** What a poll announces about one remote entry (sr3 poll: stat-like record). */
export type PollNoticeSpec = RemoteNoticeSpec;

/**
 * The notice of a remote file found at `dir/name`: relPath is that remote path, baseUrl the
 * post_baseUrl (pollUrl by default), identity `cod,<algo>` (the subscriber computes it on download),
 * size, mtime = atime = the listed mtime, mode when the listing has one (message's remoteNotice: one rule).
 */
export function noticeOfEntry(spec: PollNoticeSpec, relDir: string, e: RemoteEntry, now = Date.now()): Notice {
  const relPath = relDir ? posix.join(relDir, e.name) : e.name;
  return remoteNotice(spec, relPath, { size: e.size, mtime: e.mtime > 0 ? stamp(e.mtime) : undefined, mode: e.mode }, stamp(now));
}

/** A timestamp reduced to its digits, trailing fraction zeros dropped (v02 and v03 forms compare equal). */
function normTime(t: unknown): string {
  if (typeof t !== 'string') return '';
  const s = t.replace('T', '');
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** Duplicate key of a polled file: name + mtime + size (a rewritten file with a new mtime or size passes again). */
export function seenKey(n: Notice): string {
  return `${n.relPath.replace(/^\/+/, '')}\t${normTime(n.mtime)}\t${n.size ?? ''}`;
}

/**
 * Remembers what a poll announced, persisted across restarts in one small file (`key \t lastSeenMs`
 * per line, rewritten atomically). An entry lives while the file is still listed, and `ttl` seconds
 * after it was last listed, so files older than the ttl are not re-announced (sr3 #904).
 */
export class SeenCache {
  private readonly seen = new Map<string, number>();
  private dirty = false;

  constructor(private readonly file: string, private readonly ttl: number) {}

  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return; // first run
    }
    for (const line of text.split('\n')) {
      const tab = line.lastIndexOf('\t');
      if (tab <= 0) continue;
      const t = Number(line.slice(tab + 1));
      if (Number.isFinite(t)) this.seen.set(line.slice(0, tab), t);
    }
  }

  /** True when `key` was announced before; refreshes its last-seen time either way. */
  checkAndRecord(key: string, now = Date.now()): boolean {
    const had = this.seen.has(key);
    this.seen.set(key, now);
    this.dirty = true;
    return had;
  }

  has(key: string): boolean { return this.seen.has(key); }

  get size(): number { return this.seen.size; }

  /** Drops entries not listed for `ttl` seconds. */
  prune(now = Date.now()): void {
    const limit = now - this.ttl * 1000;
    for (const [k, t] of this.seen) if (t < limit) { this.seen.delete(k); this.dirty = true; }
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    await mkdirp(dirname(this.file));
    const tmp = `${this.file}.tmp`;
    let body = '';
    for (const [k, t] of this.seen) body += `${k}\t${t}\n`;
    await writeFile(tmp, body);
    await rename(tmp, this.file);
  }
}
