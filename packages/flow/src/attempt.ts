// One item's transfer: up to `attempts` immediate tries, each under a whole-transfer deadline.
import { REPORT } from '@sarra/message';
import type { Logger } from '@sarra/common';
import { describeError, PermanentError, TransientError } from '@sarra/common';
import type { Options } from '@sarra/config';
import { isStall } from './origin-backoff.js';
import type { WorkItem } from './types.js';

/** What a transfer function does with one item: resolve when done, throw TransientError (retry) or PermanentError. */
export type WorkFn = (item: WorkItem, signal: AbortSignal) => Promise<void>;

/** `timeout` used for the deadline when the option is 0 or unset (seconds): the drivers' own default. */
const DEFAULT_TIMEOUT_S = 300;

/** How the tries of one item ended; `stall` says why when the origin did not answer in time. */
export interface AttemptResult {
  outcome: 'ok' | 'retry' | 'permanent' | 'aborted';
  stall?: string;
}

/** True when the work of `item` talks to its origin (not a local fileOp, not inline content). */
export function fetches(item: WorkItem): boolean {
  const n = item.notice;
  return n.content === undefined && !(n.fileOp && !n.identity);
}

/**
 * The whole-transfer deadline of one try, in ms: `timeout` + size / `transferRateMin` (bytes/s), for notices of
 * known size that need a transfer. undefined (no deadline; the drivers' per-read `timeout` still applies) when
 * `transferRateMin` is 0, the size is unknown, or nothing is fetched (a fileOp, inline content); and with
 * `byteRateMax`, which slows transfers on purpose (shared by those in flight) below any floor rate.
 */
export function deadlineMs(o: Options, item: WorkItem): number | undefined {
  const n = item.notice;
  const rate = o.transferRateMin;
  if (!(rate > 0) || o.byteRateMax > 0 || typeof n.size !== 'number' || !(n.size >= 0) || !fetches(item)) return undefined;
  const base = o.timeout > 0 ? o.timeout : DEFAULT_TIMEOUT_S;
  return (base + n.size / rate) * 1000;
}

/**
 * Tries `fn` on `it` up to `attempts` times. Each try gets its own AbortSignal, aborted by `stop` (the result is
 * then 'aborted': the engine hands the item back) or at its {@link deadlineMs} with a TransientError code
 * ERR_DEADLINE "deadline exceeded after N s: <relPath>" (result 'retry', with `stall` set). A deadline or a
 * timeout error ends the tries at once (the origin stalls: trying again now would only stall again). Sets the
 * item's report code and message: 201 (or the 2xx the transfer set) when done, the PermanentError's code, else 499.
 */
export async function attempt(o: Options, it: WorkItem, fn: WorkFn, stop: AbortSignal, log: Logger): Promise<AttemptResult> {
  const tries = Math.max(1, o.attempts);
  const limit = deadlineMs(o, it);
  let last: unknown;
  let stall: string | undefined;
  let i = 0;
  for (; i < tries && stall === undefined; i++) {
    if (stop.aborted) return { outcome: 'aborted' };
    const ctl = new AbortController();
    const onStop = (): void => ctl.abort(stop.reason);
    stop.addEventListener('abort', onStop, { once: true });
    let late: TransientError | undefined;
    const timer = limit === undefined ? undefined : setTimeout(() => {
      late = new TransientError(`deadline exceeded after ${+(limit / 1000).toFixed(1)} s: ${it.notice.relPath}`, { code: 'ERR_DEADLINE' });
      ctl.abort(late);
    }, limit);
    try {
      await fn(it, ctl.signal);
      it.reportCode = it.reportCode && it.reportCode >= 200 && it.reportCode < 300 ? it.reportCode : REPORT.ok;
      it.reportMessage ??= 'ok';
      return { outcome: 'ok' };
    } catch (err: unknown) {
      if (stop.aborted) return { outcome: 'aborted' };
      last = late ?? err;
      if (!late && err instanceof PermanentError) {
        it.reportCode = err.reportCode;
        it.reportMessage = describeError(err);
        return { outcome: 'permanent' };
      }
      if (late || isStall(err)) stall = describeError(last);
    } finally {
      if (timer) clearTimeout(timer);
      stop.removeEventListener('abort', onStop);
    }
  }
  it.attempts = (it.attempts ?? 0) + i;
  it.reportCode = REPORT.failed;
  it.reportMessage = describeError(last);
  log.warning(`transfer failed ${i} time${i === 1 ? '' : 's'}, queued for retry: ${it.notice.relPath}: ${it.reportMessage}`);
  return { outcome: 'retry', stall };
}
