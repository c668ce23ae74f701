// Helpers for a plugin that polls a site of its own (sr3's flowcb/poll/* site polls: an API, a bucket, a station
// list): each file found becomes a notice as the poll component announces its listings.
import type { Options } from '@sarra/config';
import { isTimestamp, nowTimestamp, remoteNotice, timestampFromMs, type Notice } from '@sarra/message';

/** What a site poll knows of one file; every fact is optional and left out of the notice when absent. */
export interface PollEntry {
  /** Bytes (a non-negative integer). */
  size?: number;
  /** Last modification: ms since the epoch, a Date, or an sr3 timestamp (`20261204T183000.5`). */
  mtime?: number | Date | string;
  /** Permission bits (`0o644`). */
  mode?: number;
  /** sr3 retrievePath: what to fetch instead of baseUrl + relPath (a query URL), the file still named by relPath. */
  retrievePath?: string;
}

function timestampOf(v: number | Date | string): string {
  if (typeof v === 'string') {
    if (!isTimestamp(v)) throw new RangeError(`mtime ${JSON.stringify(v)} is not an sr3 timestamp`);
    return v;
  }
  const ms = v instanceof Date ? v.getTime() : v;
  if (!Number.isFinite(ms)) throw new RangeError(`mtime ${String(v)} is not a time`);
  return timestampFromMs(ms);
}

/**
 * The notice of remote file `relPath` (sr3 `Message.fromFileInfo` in a site poll): baseUrl is `post_baseUrl` (a
 * poll's pollUrl by default), the identity "checksum on download" (`identity cod,<algo>`; `none` gives none), the
 * facts of `entry`, and `source` when set. What a gather or poll returns is checked again as a received notice.
 * @throws Error when there is no post_baseUrl/pollUrl, relPath is empty, or a fact is malformed.
 */
export function noticeFor(o: Options, relPath: string, entry: PollEntry = {}): Notice {
  const baseUrl = o.post_baseUrl ?? o.pollUrl;
  if (!baseUrl) throw new Error('noticeFor: no post_baseUrl (or pollUrl) to announce the files under');
  if (typeof relPath !== 'string' || relPath === '') throw new Error('noticeFor: relPath must be a non-empty string');
  if (entry.size !== undefined && !(Number.isSafeInteger(entry.size) && entry.size >= 0)) {
    throw new RangeError(`noticeFor ${relPath}: size ${entry.size} is not a byte count`);
  }
  const n = remoteNotice({ baseUrl, identity: o.identity, source: o.source }, relPath, {
    size: entry.size, mode: entry.mode, mtime: entry.mtime === undefined ? undefined : timestampOf(entry.mtime),
  }, nowTimestamp());
  if (entry.retrievePath !== undefined) n.retrievePath = entry.retrievePath;
  return n;
}
