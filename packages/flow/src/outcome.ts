// The outcome API: what became of each item of a pass (ok, rejected with a report code and reason, or failed), decided
// in one place by the engine and by plugins alike (sr3's `worklist.reject(m, code, reason)`). Pure: no I/O, no ack.
import { describeError, PermanentError } from '@sarra/common';
import { REPORT } from '@sarra/message';
import type { WorkItem, Worklist } from './types.js';

const NOWHERE: WorkItem[] = [];

type Lists = Pick<Worklist, 'incoming' | 'ok' | 'rejected' | 'failed'>;

/**
 * The decisions of one worklist. Each call moves the item to the list of its outcome (out of any other list of the
 * worklist, so it is never in two) and sets its report code and reason; the engine then settles every list once
 * (settle.ts: counted, acked when durable, reported). Plugins reach it as `wl.outcome` in afterAccept / afterWork.
 */
export class Outcomes {
  private readonly retryable = new Set<WorkItem>();
  /** The list each item was moved to here (NOWHERE: taken out for the work step), so a move need not search. */
  private readonly placed = new Map<WorkItem, WorkItem[]>();

  constructor(private readonly wl: Lists) {}

  /** Done: `item` is posted downstream (when the flow posts), then acked once confirmed. */
  ok(item: WorkItem): void {
    this.retryable.delete(item);
    this.move(item, this.wl.ok);
  }

  /**
   * Refused for good with report `code` (REPORT in @sarra/message) and `reason`: acked at once, counted under its
   * reason (`totals.rejected`, `rejectedByReason`; a 304 counts as a duplicate instead), never retried.
   */
  reject(item: WorkItem, code: number, reason: string): void {
    item.reportCode = code;
    item.reportMessage = reason;
    this.retryable.delete(item);
    this.move(item, this.wl.rejected);
  }

  /**
   * The work failed with `err`. A PermanentError fails for good with its report code (counted in totals.failed,
   * reported, acked); one that refuses the notice (422: its path leads out of its root) or finds the work not needed
   * (a code below 400: 304, an identical file there) is a rejection. Any other error is retryable (499): the item goes
   * to the retry queue and is acked only once it is safely there (without a retry queue it is acked and lost).
   */
  fail(item: WorkItem, err: unknown): void {
    const reason = describeError(err);
    if (err instanceof PermanentError) {
      if (err.reportCode === REPORT.noDest || err.reportCode < 400) return this.reject(item, err.reportCode, reason);
      this.retryable.delete(item);
      item.reportCode = err.reportCode;
    } else {
      this.retryable.add(item);
      item.reportCode = REPORT.failed;
    }
    item.reportMessage = reason;
    this.move(item, this.wl.failed);
  }

  /** True when `item` failed with a retryable error (it belongs in the retry queue). */
  isRetryable(item: WorkItem): boolean {
    return this.retryable.has(item);
  }

  /** Takes every incoming item out for the work step: each is in no list until its outcome is decided. */
  takeIncoming(): WorkItem[] {
    const out = this.wl.incoming.splice(0);
    for (const it of out) this.placed.set(it, NOWHERE);
    return out;
  }

  /**
   * Moves `item` to `to`: out of the list it was put in here, else (an item placed by hand, as intake places each fresh
   * item in incoming before its verdict) out of whichever list holds it, searched from the end, so deciding on the
   * item just placed costs the same whatever the length of the lists.
   */
  private move(item: WorkItem, to: WorkItem[]): void {
    const from = this.placed.get(item);
    if (from === to) return;
    if (from) remove(from, item);
    else {
      const wl = this.wl;
      let found = false;
      for (const list of [wl.incoming, wl.ok, wl.rejected, wl.failed]) if (list !== to && remove(list, item)) found = true;
      if (!found && to.includes(item)) { this.placed.set(item, to); return; }
    }
    to.push(item);
    this.placed.set(item, to);
  }
}

/** Takes `item` out of `list` (its last place: that of an item just pushed); false when it is not there. */
function remove(list: WorkItem[], item: WorkItem): boolean {
  const i = list.lastIndexOf(item);
  if (i >= 0) list.splice(i, 1);
  return i >= 0;
}
