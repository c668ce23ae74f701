// sr3's `discard`: the local copy of each downloaded file is removed once the pass has posted it.
import type { Logger } from '@sarra/common';
import { describeError } from '@sarra/common';
import type { Options } from '@sarra/config';
import { removeLocalFile } from './fileops.js';
import type { FlowHook, Worklist } from './types.js';

/**
 * Removes, after post (so every callback and the announcement saw the file), the files the download wrote
 * (`bytes` set); file operations and dry_run items are left alone. The component loads it last, after the
 * user's callbacks. A removal that fails is logged; the item stays done.
 */
export class DiscardHook implements FlowHook {
  readonly name = 'discard';
  constructor(private readonly o: Options, private readonly log: Logger) {}

  async afterPost(wl: Worklist): Promise<void> {
    for (const it of wl.ok) {
      if (it.bytes === undefined) continue;
      try {
        await removeLocalFile(this.o, it);
        if (this.log.enabled('debug')) this.log.debug(`discarded ${it.newFile ?? it.notice.relPath}`);
      } catch (err: unknown) {
        this.log.warning(`discard ${it.notice.relPath}: ${describeError(err)}`);
      }
    }
  }
}
