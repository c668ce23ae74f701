// sr3 filter.deleteflowfiles: a flow that only clears files: each accepted notice's local file is removed and the
// notice is done without any transfer.
import type { Logger } from '@sarra/common';
import { describeError } from '@sarra/common';
import type { Options } from '@sarra/config';
import { removeLocalFile, type FlowHook, type Worklist } from '@sarra/flow';
import { localPath } from '../../worklist.js';

/**
 * `callback filter.deleteflowfiles`: removes each accepted item's destination file (confined; already gone is
 * fine) and moves it to `ok` (posted as done, nothing transferred); a removal that fails rejects it (500, logged).
 */
export default class DeleteFlowFiles implements FlowHook {
  readonly name = 'filter.deleteflowfiles';
  constructor(private readonly o: Options, private readonly log: Logger) {}

  async afterAccept(wl: Worklist): Promise<void> {
    for (const it of [...wl.incoming]) {
      try {
        await removeLocalFile(this.o, it);
        this.log.info(`deleted ${localPath(it) ?? it.notice.relPath}`);
        wl.outcome.ok(it);
      } catch (err: unknown) {
        this.log.error(`could not delete ${it.notice.relPath}: ${describeError(err)}`);
        wl.outcome.reject(it, 500, `filter.deleteflowfiles: ${describeError(err)}`);
      }
    }
  }
}
