// accept.log: the notices as they stand at this point of the after_accept chain (the `log` callback runs last;
// this one runs where it is named, e.g. right after accept.rename to see the new names).
import type { Logger } from '@sarra/common';
import { redact } from '@sarra/common';
import type { Options } from '@sarra/config';
import type { FlowHook, Worklist } from '@sarra/flow';
import { localPath, noticeUrl } from '../../worklist.js';

/**
 * `callback accept.log` (sr3's msg.log / filter.log, v2 msg_log placed in the chain): one info line per incoming
 * item, `accept.log: <url> -> <local file>`; with `logMessageDump`, the whole notice too. Passwords are masked.
 */
export default class AcceptLog implements FlowHook {
  readonly name = 'accept.log';

  constructor(private readonly o: Options, private readonly log: Logger) {}

  afterAccept(wl: Worklist): void {
    if (!this.log.enabled('info')) return;
    for (const it of wl.incoming) {
      const dest = localPath(it);
      this.log.info(redact(`accept.log: ${noticeUrl(it.notice)}${dest ? ` -> ${dest}` : ''}`));
      if (this.o.logMessageDump) this.log.info(redact(`accept.log: message: ${JSON.stringify(it.notice)}`));
    }
  }
}
