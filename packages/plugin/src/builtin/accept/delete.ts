// sr3 accept.delete: the local copy an accepted notice names is removed before the transfer (a subscriber
// then fetches it afresh; a test flow clears its tree).
import type { Logger } from '@sarra/common';
import { describeError } from '@sarra/common';
import type { Options } from '@sarra/config';
import { removeLocalFile, type FlowHook, type Worklist } from '@sarra/flow';
import { localPath } from '../../worklist.js';

/**
 * `callback accept.delete`: removes each accepted item's destination file (confined under its destination
 * root; already gone is fine). A removal that fails rejects the item (sr3) with the reason, logged.
 */
export default class Delete implements FlowHook {
  readonly name: string = 'accept.delete';
  /** After the removal the item is done (`ok`, nothing transferred) rather than left to the transfer. */
  protected readonly thenDone: boolean = false;
  constructor(private readonly o: Options, private readonly log: Logger) {}

  async afterAccept(wl: Worklist): Promise<void> {
    for (const it of [...wl.incoming]) {
      try {
        await removeLocalFile(this.o, it);
        this.log.info(`deleted ${localPath(it) ?? it.notice.relPath}`);
        if (this.thenDone) wl.outcome.ok(it);
      } catch (err: unknown) {
        this.log.error(`could not delete ${it.notice.relPath}: ${describeError(err)}`);
        wl.outcome.reject(it, 500, `${this.name}: ${describeError(err)}`);
      }
    }
  }
}
