// What accept.tolocal replaced in an item's baseUrl, for accept.tohttp to put back (never published).
import type { WorkItem } from '@sarra/flow';

export const savedUrls = new WeakMap<WorkItem, string>();
