// The intake of a pass: fresh notices accepted or rejected (filter, file age, duplicates); retried ones checked against work done meanwhile.
import type { Options } from '@sarra/config';
import type { AcceptFn } from './accept.js';
import type { FlowParts } from './flow-parts.js';
import { REPORT } from '@sarra/message';
import { checkFileAge } from './nodupe.js';
import type { WorkItem, Worklist } from './types.js';

/**
 * Moves each fresh item to `wl.incoming` (accepted) or `wl.rejected` with its report code: the filter's verdict
 * (`accept`), then, with duplicate suppression on, the file age and nodupe (304 "Not modified 1 (nodupe check)", sr3's words). Items back from the
 * retry queue are tried again as they were placed (sr3's default), or, with `retry_refilter`, go through the filter
 * again from scratch (destination recomputed: a configuration changed meanwhile applies to them). One whose file
 * was done meanwhile by another copy (the other source's notice, accepted after a restart forgot this one's claim)
 * is a duplicate too: not done twice. Counts totals.accepted and the lag of each accepted notice (settle.ts counts the
 * rejections, duplicates among them).
 */
export function intake(o: Options, accept: AcceptFn, p: FlowParts, wl: Worklist, fresh: WorkItem[], retried: WorkItem[]): void {
  const now = Date.now();
  const nd = p.nodupe;
  const m = p.metrics;
  let accepted = 0;
  const reject = wl.outcome.reject.bind(wl.outcome);
  // each item goes to incoming first: a rejection then takes it from the end of incoming (no search of the lists)
  for (const it of fresh) {
    wl.incoming.push(it);
    const v = accept(it, now);
    if (!v.accepted) {
      // older than messageAgeMax: not in the accepted lag, so counted apart for sr status's lag alert (reset at housekeeping)
      if (v.code === REPORT.msgTooOld) m?.inc('log.tooOldCount');
      reject(it, v.code, v.reason);
      continue;
    }
    const age = nd ? checkFileAge(o, it, now) : undefined;
    if (age) { reject(it, age.code, age.reason); continue; }
    if (nd && nd.isDuplicate(it, now)) { reject(it, REPORT.duplicate, 'Not modified 1 (nodupe check)'); continue; }
    if (it.pubMs && m) m.lag(Math.max(0, now - it.pubMs));
    accepted++;
  }
  for (const it of retried) {
    wl.incoming.push(it);
    if (o.retry_refilter) {
      refilterable(it);
      const v = accept(it, now);
      if (!v.accepted) { reject(it, v.code, v.reason); continue; }
    }
    if (nd?.isRecorded?.(it, now)) reject(it, REPORT.duplicate, 'duplicate (done by another copy while queued for retry)');
  }
  if (accepted) m?.inc('totals.accepted', accepted);
}

/** Forgets what an earlier filtering and transfer computed for a retried item, so it is filtered from scratch. */
function refilterable(it: WorkItem): void {
  for (const k of ['newDir', 'newFile', 'newRelPath', 'newBaseUrl', 'destRoot', 'newIdentity', 'reportCode', 'reportMessage'] as const) delete it[k];
}
