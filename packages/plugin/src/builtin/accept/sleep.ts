// sr3's accept.sleep (a testing aid): each pass waits a while per accepted notice, to slow a flow down.
import type { Options } from '@sarra/config';
import type { FlowHook, Worklist } from '@sarra/flow';

export const options = {
  accept_sleep: { kind: 'duration', default: 1, doc: 'Seconds to wait per accepted notice (at most 60 per pass).' },
} as const;

/** `callback accept.sleep`: after_accept waits accept_sleep seconds per incoming notice, 60 s per pass at most. */
export default class Sleep implements FlowHook {
  readonly name = 'accept.sleep';
  private readonly perItemMs: number;

  constructor(o: Options) {
    this.perItemMs = Math.max(0, o.pluginOptions.accept_sleep as number) * 1000;
  }

  async afterAccept(wl: Worklist): Promise<void> {
    const ms = Math.min(60_000, this.perItemMs * wl.incoming.length);
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  }
}
