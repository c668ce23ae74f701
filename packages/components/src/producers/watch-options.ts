// What a watch gatherer is given (sr3's watch options, resolved), and the names it never announces.
import type { Logger } from '@sarra/common';
import type { NoticeSpec } from './fileinfo.js';

export interface WatcherOptions extends NoticeSpec {
  /** Absolute directories (or files) to watch. */
  paths: string[];
  /** sr3 fileEvents; empty or absent = all. A rename is announced when both create and delete are on. */
  fileEvents?: Set<string>;
  /** Periodic scan instead of inotify (network file systems). */
  forcePolling?: boolean;
  /** Scan interval with forcePolling, seconds (sr3 `sleep`). @default 5 */
  pollInterval?: number;
  /** fileAgeMin, seconds: a file's mtime must be at least this old before it is announced. @default 0 */
  fileAgeMin?: number;
  /** Quiet time after the last event on a file before it is announced, ms. @default 1000 */
  settleMs?: number;
  /** An unlink and an add of the same inode within this window are one rename, ms. @default 2000 */
  renameWindowMs?: number;
  /** Announce the files already there at start (sr3 post_on_start). */
  postOnStart?: boolean;
  /**
   * sr3's `follow_symlinks`: a symlink is announced as a link, and what it leads to is watched too: a directory
   * through the link's path (its files announced there), a file at its real path. Off: links are never followed.
   * @default false
   */
  followSymlinks?: boolean;
  /**
   * Instance state directory. When given, the watcher saves what it knows of the files (path -> size, mtime)
   * to `watch_known.json` there (at stop, and every `saveEveryMs` while running), and at the next start
   * announces the files that are new or changed since (the catch-up of files written while stopped).
   * Absent: no catch-up (only post_on_start announces what is there at start).
   */
  stateDir?: string;
  /** How often the known map is saved while running, ms. @default 60000 */
  saveEveryMs?: number;
  logger: Logger;
}

/** Inflight and hidden names are never announced: `.tmp` suffix, `.` prefix (sr3 inflight defaults). */
export function isInflightName(name: string): boolean {
  return name.startsWith('.') || name.endsWith('.tmp');
}
