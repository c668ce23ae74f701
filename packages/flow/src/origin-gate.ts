// The per-origin back-off applied to work items: notices of a resting origin are deferred, the others tried.
import { REPORT } from '@sarra/message';
import type { Logger } from '@sarra/common';
import { describeError } from '@sarra/common';
import type { Options } from '@sarra/config';
import { attempt, fetches, type AttemptResult, type WorkFn } from './attempt.js';
import { originOf, type OriginBackoff } from './origin-backoff.js';
import type { Outcome } from './slots.js';
import type { WorkItem } from './types.js';

/**
 * Runs the transfers of a flow under an {@link OriginBackoff}. Only items that talk to their remote
 * ({@link fetches}) are gated: local fileOps and inline content never wait. The remote is the notice's origin
 * (`scheme://host:port` of its baseUrl), or the destination (`sendTo`) of a sender. Without `backoff` (a flow
 * with no retry queue, where deferring is impossible) every item is simply tried.
 */
export class OriginGate {
  constructor(
    private readonly o: Options,
    private readonly fn: WorkFn,
    private readonly log: Logger,
    private readonly backoff: OriginBackoff | undefined,
    private readonly send: boolean,
  ) {}

  /** The remote a transfer talks to. */
  remoteOf(it: WorkItem): string {
    return originOf(this.send && this.o.sendTo ? this.o.sendTo : it.notice.baseUrl);
  }

  /** Takes out of `list` (in place) the items `pick` selects whose remote rests: to be deferred to the retry queue. */
  takeResting(list: WorkItem[], pick: (it: WorkItem) => boolean = () => true): WorkItem[] {
    const out: WorkItem[] = [];
    if (!this.backoff) return out;
    let kept = 0;
    for (const it of list) {
      if (pick(it) && fetches(it) && this.backoff.admit(this.remoteOf(it), false) === 'defer') out.push(it);
      else list[kept++] = it;
    }
    list.length = kept;
    return out;
  }

  /** One slot's work: 'deferred' while the remote rests (or its probe runs), else the tries (attempt.ts). Never rejects. */
  async run(it: WorkItem, stop: AbortSignal): Promise<Outcome> {
    const remote = this.remoteOf(it);
    const gated = this.backoff !== undefined && fetches(it);
    const adm = gated ? this.backoff!.admit(remote, true) : 'run';
    if (adm === 'defer') return 'deferred';
    let r: AttemptResult;
    try {
      r = await attempt(this.o, it, this.fn, stop, this.log);
    } catch (err: unknown) {
      it.reportCode = REPORT.failed;
      it.reportMessage = describeError(err);
      r = { outcome: 'retry' };
    }
    if (gated) this.backoff!.settle(remote, adm, r.stall !== undefined ? 'stalled' : r.outcome === 'ok' ? 'ok' : 'other', r.stall);
    return r.outcome;
  }

  /** When the first rest still running ends (ms since epoch), for the retry pulls of deferred items. */
  nextEnd(): number | undefined {
    return this.backoff?.nextEnd();
  }
}
