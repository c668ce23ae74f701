// Worklist helpers for plugins: sr3's rule that a notice moves between lists, never vanishes, so each is acked once.
import { join } from 'node:path';
import type { WorkItem, Worklist } from '@sarra/flow';

/**
 * Rejects `item` (sr3 `worklist.rejected.append` with a report code): it leaves `incoming` for `rejected`, and
 * the flow acks it, counts it under "<code> <reason>" and logs the reason (404 is sr3's usual code).
 */
export function reject(wl: Worklist, item: WorkItem, code: number, reason: string): void {
  const i = wl.incoming.indexOf(item);
  if (i >= 0) wl.incoming.splice(i, 1);
  item.reportCode = code;
  item.reportMessage = reason;
  if (!wl.rejected.includes(item)) wl.rejected.push(item);
}

/**
 * Keeps the items of `wl.incoming` for which `fn` returns true and rejects the others (404) with the reason it
 * returns (a string). The common shape of an after_accept filter.
 */
export function keep(wl: Worklist, fn: (item: WorkItem) => true | string): void {
  for (const it of [...wl.incoming]) {
    const v = fn(it);
    if (v !== true) reject(wl, it, 404, v);
  }
}

/** The local file of an item, once its destination is set (sr3 `new_dir/new_file`); undefined before. */
export function localPath(item: WorkItem): string | undefined {
  return item.newDir !== undefined && item.newFile !== undefined ? join(item.newDir, item.newFile) : undefined;
}
