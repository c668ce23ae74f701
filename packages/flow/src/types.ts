// Shapes shared by the flow engine, its built-in hooks and the components.
import type { Notice, Format, Identity } from '@sarra/message';
import { Outcomes } from './outcome.js';

/**
 * One notice moving through a flow pass, with the working fields sr3 keeps beside the body
 * (`new_*`, report code). Only `notice` is ever published.
 */
export interface WorkItem {
  notice: Notice;
  /** Routing key it arrived with (full, prefix included), when it came from a broker. */
  topic?: string;
  exchange?: string;
  format?: Format;
  /**
   * The v03 body as received. A relay (shovel, winnow) re-publishes these bytes unchanged when nothing could
   * have changed the notice (Poster `passThrough`): no re-encoding. Never written to a retry queue.
   */
  raw?: Buffer;
  /** Set by the gatherer; called exactly once, by settle.ts only, after the outcome is durable (posted, or safely queued). */
  ack?: () => void;
  /** Destination decided at filter time (local dir for downloads, remote dir for senders). */
  newDir?: string;
  newFile?: string;
  /** relPath to announce downstream. */
  newRelPath?: string;
  newBaseUrl?: string;
  /** The destination root the item is confined under (mask directory, expanded); fileOps are checked against it. */
  destRoot?: string;
  /** Report code and reason when rejected, failed or done (COMPAT section 5). */
  reportCode?: number;
  reportMessage?: string;
  /** Transfer attempts so far (retry queue). */
  attempts?: number;
  /** ms since epoch when first queued for retry. */
  retrySince?: number;
  /** pubTime in ms since epoch (set by the gatherer; for lag metrics). */
  pubMs?: number;
  /** Identity recomputed during the transfer (cod, or a new checksum); announced downstream instead of the received one. */
  newIdentity?: Identity;
  /** Size of what was actually transferred when it differs from the notice's (acceptSizeWrong); announced downstream. */
  newSize?: number;
  /** Bytes moved by the transfer. */
  bytes?: number;
}

/**
 * sr3's worklists: items are moved between lists, never dropped, so each is acked once. `outcome` moves them
 * (ok / reject / fail, outcome.ts): the one way, for the engine and for plugins, to decide what became of an item.
 */
export interface Worklist {
  incoming: WorkItem[];
  ok: WorkItem[];
  rejected: WorkItem[];
  failed: WorkItem[];
  readonly outcome: Outcomes;
}

export function newWorklist(incoming: WorkItem[] = []): Worklist {
  const lists = { incoming, ok: [] as WorkItem[], rejected: [] as WorkItem[], failed: [] as WorkItem[] };
  // not enumerable: a worklist logged or compared shows its lists only
  return Object.defineProperty(lists, 'outcome', { value: new Outcomes(lists) }) as Worklist;
}

/** A source of work items: a broker queue, the file system, or a remote listing. */
export interface Gatherer {
  readonly name: string;
  start(): Promise<void>;
  /** Up to `max` items; may wait briefly; returns [] when there is nothing. */
  gather(max: number, signal: AbortSignal): Promise<WorkItem[]>;
  /** True when the source is exhausted (one-shot post): the flow exits after this pass. */
  done?(): boolean;
  stop(): Promise<void>;
  metrics?(): Record<string, number | string | boolean>;
  /** Whether the source is connected now (broker gatherers; cheap): a change reaches the metrics at once. */
  isConnected?(): boolean;
}

/**
 * A flow callback (sr3 FlowCB). Every entry point is optional; they run in load order.
 * Exceptions are logged and swallowed by the engine.
 */
export interface FlowHook {
  readonly name: string;
  onStart?(): Promise<void> | void;
  afterAccept?(wl: Worklist): Promise<void> | void;
  afterWork?(wl: Worklist): Promise<void> | void;
  afterPost?(wl: Worklist): Promise<void> | void;
  onHousekeeping?(): Promise<void> | void;
  onStop?(): Promise<void> | void;
  /** Replace the built-in download for one item; resolve true when done. */
  download?(item: WorkItem): Promise<boolean>;
  /** Replace the built-in send for one item; resolve true when done. */
  send?(item: WorkItem): Promise<boolean>;
  metricsReport?(): Record<string, unknown>;
  /**
   * sr3 `gather`: notices of the plugin's own (v03 fields), up to `max`, asked each pass after the component's
   * source (withPluginGather); each is checked as a received notice.
   */
  gather?(max: number): Promise<unknown[]> | unknown[];
  /** sr3 `please_stop`: the stop was asked for; called once, before the last transfers finish and onStop. */
  pleaseStop?(): Promise<void> | void;
  /**
   * sr3 `post`: each pass, after the built-in post of `wl.ok` (published and confirmed, not acked yet: a notice it lost
   * is not given), in load order: publish elsewhere. An item moved to `wl.failed` / `wl.rejected` here goes to the
   * retry queue (worked and announced again) / is rejected (acked then); it keeps its duplicate-cache claim.
   */
  post?(wl: Worklist): Promise<void> | void;
  /** sr3 `ack`: the items just acknowledged (rejected, posted, or failed and safely in the retry queue), after the acks. */
  ack?(items: WorkItem[]): Promise<void> | void;
  /**
   * sr3 `destfn`: the destination file name of an accepted item (`item.newFile` holds the name so far); a string
   * replaces it (a bare name: no `/`, not `.`/`..`, else the item is rejected 422), anything else keeps it. Synchronous.
   */
  destfn?(item: WorkItem): string | undefined;
  /** sr3 `poll` (poll component only): notices (v03 fields) listed instead of the built-in listing of pollUrl, each poll cycle. */
  poll?(): Promise<unknown[]> | unknown[];
  /** sr3 `on_sanity`: at each `sr sanity` pass (and `sr run`'s), for the configuration. */
  onSanity?(): Promise<void> | void;
  /** sr3 `on_declare`: at `sr declare` and at instance start, after the exchanges and queue are declared. */
  onDeclare?(): Promise<void> | void;
  /** sr3 `on_cleanup`: at `sr cleanup`, after the queue and exchanges are deleted, before the state files are. */
  onCleanup?(): Promise<void> | void;
}

/**
 * The counters the engine feeds (implemented by Metrics). Names are `<section>.<key>`, e.g. `totals.received`,
 * `gather.message.rxGoodCount`; sections are those of the metrics file (CONTRACTS.md).
 */
export interface FlowMetrics {
  inc(name: string, by?: number): void;
  set(name: string, value: unknown): void;
  lag(ms: number): void;
  rejected(reason: string): void;
  write(): Promise<void>;
  /** Starts a new sr3 interval (housekeeping): section counters back to 0, totals kept. */
  resetInterval?(): void;
  /** The broker queue shown by `sr status`. */
  setQueue?(queue: string): void;
  /** Replaces a plugin's section (its metricsReport()); false for a section the engine writes. */
  setSection?(name: string, values: Record<string, unknown>): boolean;
}

/** An on-disk retry queue as the engine uses it (implemented by DiskQueue). */
export interface RetryQueue {
  open(): Promise<void>;
  put(items: WorkItem[]): Promise<void>;
  get(max: number): Promise<WorkItem[]>;
  size(): number;
  housekeeping(): Promise<void>;
  close(): Promise<void>;
  /** Items from `get` still being worked after the next `get` (carried-over transfers): not committed as removed. */
  hold?(items: WorkItem[]): void;
  /** Held items finished or re-put: their removal may be committed. */
  release?(items: WorkItem[]): void;
}

/** Publishes the notices of finished items downstream (implemented by Poster). */
export interface PostSink {
  start(): Promise<void>;
  /**
   * Publishes `items` and waits for confirms; unconfirmed ones are kept for a later retry (never thrown). Resolves
   * with the items neither confirmed nor safely kept (the retry queue write failed, or there is none): not acked.
   */
  post(items: WorkItem[]): Promise<WorkItem[] | void>;
  /** Re-publishes kept failures; called when a pass is light and at housekeeping. */
  retry(max: number): Promise<void>;
  pending(): number;
  housekeeping(): Promise<void>;
  close(): Promise<void>;
}

/** Publishes report messages for items (implemented by Reporter). */
export interface ReportSink {
  report(items: WorkItem[]): Promise<void>;
  close(): Promise<void>;
}
