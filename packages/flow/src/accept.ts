// The filter step of a pass: message age, accept/reject masks, size and inline limits, destination (duplicates are intake.ts's).
import type { Options } from '@sarra/config';
import { REPORT, msFromTimestamp } from '@sarra/message';
import { describeError, PermanentError } from '@sarra/common';
import type { Notice } from '@sarra/message';
import { applyMasks } from './filter.js';
import { setDestination } from './destination.js';
import type { WorkItem } from './types.js';
import type { DestFn } from './destfn.js';

/** What the filter decided for one item: accepted, or rejected with an sr3 report code and reason. */
export type Verdict = { accepted: true } | { accepted: false; code: number; reason: string };

/** How the default filter places accepted items. */
export interface AcceptOptions {
  /** Set the destination fields (false: flows that write nothing). @default true */
  destination?: boolean;
  /** The plugins' destfn entry points (destfnOf). */
  destfn?: DestFn;
}

/** Decides one item (pure apart from the clock). Sets the destination fields on acceptance. */
export type AcceptFn = (item: WorkItem, now: number) => Verdict;

/** True when the notice announces file data (not a pure file operation: mkdir, rmdir, remove, symlink without data). */
function carriesData(n: Notice): boolean {
  return n.content !== undefined || !n.fileOp || n.identity !== undefined;
}

/**
 * The default filter: `messageAgeMax` (504), masks in file order (404 when nothing matches and
 * `acceptUnmatched` is off), then, for a notice of file data, `fileSizeMax` (413, sr3's "Payload Too Large")
 * and `inlineOnly` (415 when the data is not inline), then the destination from the matching mask (422 when
 * the path would escape). `destination: false` (flows that write nothing: shovel, winnow) skips the placement;
 * `destfn` (destfn.ts: the plugins' destfn entry points) takes part in naming the file.
 */
export function defaultAccept(o: Options, opts: AcceptOptions = {}): AcceptFn {
  const placed = opts.destination !== false;
  return (item, now) => {
    if (o.messageAgeMax > 0) {
      let age = 0;
      try { age = now - msFromTimestamp(item.notice.pubTime); } catch { age = 0; }
      if (age > o.messageAgeMax * 1000) return { accepted: false, code: REPORT.msgTooOld, reason: `message too old (${Math.round(age / 1000)} s)` };
    }
    const m = applyMasks(o, item, now);
    if (!m.accepted) return { accepted: false, code: REPORT.noMatch, reason: 'no match' };
    const n = item.notice;
    if (carriesData(n)) {
      if (o.fileSizeMax > 0 && typeof n.size === 'number' && n.size > o.fileSizeMax) {
        return { accepted: false, code: REPORT.tooBig, reason: `file too big: ${n.size} bytes > fileSizeMax ${o.fileSizeMax}` };
      }
      if (o.inlineOnly && n.content === undefined) return { accepted: false, code: REPORT.notInline, reason: 'data not inline (inlineOnly)' };
    }
    if (!placed) return { accepted: true };
    try {
      setDestination(o, item, m.mask, m.groups, now, opts.destfn);
    } catch (err: unknown) {
      const code = err instanceof PermanentError ? err.reportCode : REPORT.noDest;
      return { accepted: false, code, reason: describeError(err) };
    }
    return { accepted: true };
  };
}
