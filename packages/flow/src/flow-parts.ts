// What a Flow is built from: its parts (gatherer, sinks, queues, hooks, tuning) and the transfer they select.
import { REPORT } from '@sarra/message';
import type { Logger } from '@sarra/common';
import { PermanentError } from '@sarra/common';
import type { AcceptFn } from './accept.js';
import type { WorkFn } from './attempt.js';
import type { FlowHook, FlowMetrics, Gatherer, PostSink, ReportSink, RetryQueue, WorkItem } from './types.js';

/** Duplicate suppression as the engine uses it (implemented by NoDupe). */
export interface DupeCheck {
  isDuplicate(item: WorkItem, now?: number): boolean;
  record(item: WorkItem, now?: number): void;
  /** Forgets the claim of an item that failed for good, so another copy may pass. */
  release?(item: WorkItem): void;
  /** True when the work of the same file was recorded as done (a retry of it is not needed). */
  isRecorded?(item: WorkItem, now?: number): boolean;
  load?(): Promise<void>;
  save?(): Promise<void>;
  onHousekeeping?(): Promise<void> | void;
}

/** Everything a Flow is built from. Only gatherer, work, hooks, logger and instance are required. */
export interface FlowParts {
  gatherer: Gatherer;
  /** 'download' (subscribe, sarra), 'send' (sender) or 'none' (shovel, winnow, post, watch, poll). */
  work: 'download' | 'send' | 'none';
  poster?: PostSink;
  reporter?: ReportSink;
  hooks: FlowHook[];
  logger: Logger;
  instance: number;
  /** The transfer for work 'send'. */
  sender?: WorkFn;
  /** The transfer for work 'download' (built by the component from download.ts). */
  downloader?: WorkFn;
  metrics?: FlowMetrics;
  /** Failed transfers; without one, a failure is acked and counted (lost). */
  workRetry?: RetryQueue;
  nodupe?: DupeCheck;
  /** Replaces the default masks/destination filter (tests, custom flows). */
  accept?: AcceptFn;
  /** Compute newDir/newFile/newRelPath at filter time. @default true unless work is 'none' */
  placeItems?: boolean;
  /** Transfers in flight at once within this instance, carried-over ones included. @default min(batch, 16) */
  concurrency?: number;
  /** How long a stop waits for in-flight transfers before handing them back, in ms. @default 10000 */
  stopGraceMs?: number;
  /** How long a pass waits for its own transfers (ms); those still running are carried over to later passes. @default 2000 */
  passWaitMs?: number;
  /** Ms between two metrics writes (besides those at start, housekeeping, stop, a connection change). @default 5000 */
  metricsEveryMs?: number;
  /** Metrics are rewritten at least this often (ms), also while the flow is idle or a gather waits. @default 5000 */
  metricsIdleMs?: number;
}

/**
 * A Gatherer that knows its own pace (a poll's next listing, a watch's next scan): when the engine's
 * pass found nothing it sleeps `nextWakeMs()` (capped at 5 s so retries and housekeeping stay on
 * time) instead of its doubling idle back-off from `sleep`. undefined = no opinion.
 */
export interface PacedGatherer extends Gatherer {
  nextWakeMs?(): number | undefined;
}

/**
 * The transfer of a flow's work: a hook's `download`/`send` when some hook has one (the first that resolves true
 * did it; none: PermanentError 499 "plugin refused"), else the built-in downloader or sender; undefined for work 'none'.
 */
export function transferFn(p: FlowParts): WorkFn | undefined {
  const kind = p.work === 'download' ? 'download' : p.work === 'send' ? 'send' : undefined;
  if (!kind) return undefined;
  const builtin = kind === 'download' ? p.downloader : p.sender;
  const overrides = p.hooks.filter((h) => typeof h[kind] === 'function');
  if (overrides.length === 0) return builtin;
  return async (item) => {
    for (const h of overrides) {
      if (await h[kind]!(item)) return;
    }
    throw new PermanentError(`${kind} plugin refused ${item.notice.relPath}`, { reportCode: REPORT.failed });
  };
}
