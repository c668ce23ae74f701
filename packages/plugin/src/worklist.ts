// Worklist helpers for plugins, on the flow's outcome API (`wl.outcome.ok / reject / fail`): an item moves between
// lists, never vanishes, so the flow acks each once.
import { join } from 'node:path';
import { joinUrl, type WorkItem, type Worklist } from '@sarra/flow';
import type { Notice } from '@sarra/message';

/**
 * Keeps the items of `wl.incoming` for which `fn` returns true and rejects the others (404) with the reason it
 * returns (a string), through `wl.outcome.reject`. The common shape of an afterAccept filter.
 */
export function keep(wl: Worklist, fn: (item: WorkItem) => true | string): void {
  for (const it of [...wl.incoming]) {
    const v = fn(it);
    if (v !== true) wl.outcome.reject(it, 404, v);
  }
}

/** The local file of an item, once its destination is set (sr3 `new_dir/new_file`); undefined before. */
export function localPath(item: WorkItem): string | undefined {
  return item.newDir !== undefined && item.newFile !== undefined ? join(item.newDir, item.newFile) : undefined;
}

/** The URL a notice announces: its baseUrl and relPath joined with one `/` (the flow's own rule). */
export function noticeUrl(n: Notice): string {
  return joinUrl(n.baseUrl, n.relPath);
}
