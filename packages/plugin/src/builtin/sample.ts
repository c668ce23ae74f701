// sr3's flowcb/sample: a plugin that logs every entry point as the flow calls it (to see the order of a pass).
import type { Logger } from '@sarra/common';
import type { Options } from '@sarra/config';
import type { FlowHook, Worklist } from '@sarra/flow';

export const options = {
  sample_prefix: { kind: 'str', default: 'sample', doc: 'Word each log line starts with.' },
} as const;

/** `callback sample`: one info line per entry point call, with the sizes of the worklist's lists. */
export default class Sample implements FlowHook {
  readonly name = 'sample';
  private readonly prefix: string;
  private seen = 0;

  constructor(o: Options, private readonly log: Logger) {
    this.prefix = o.pluginOptions.sample_prefix as string;
  }

  private say(entry: string, wl?: Worklist): void {
    const lists = wl ? ` incoming=${wl.incoming.length} ok=${wl.ok.length} rejected=${wl.rejected.length} failed=${wl.failed.length}` : '';
    this.log.info(`${this.prefix} ${entry}${lists}`);
  }

  onStart(): void { this.say('onStart'); }
  afterAccept(wl: Worklist): void { this.seen += wl.incoming.length; this.say('afterAccept', wl); }
  afterWork(wl: Worklist): void { this.say('afterWork', wl); }
  afterPost(wl: Worklist): void { this.say('afterPost', wl); }
  onHousekeeping(): void { this.say('onHousekeeping'); }
  onStop(): void { this.say('onStop'); }
  metricsReport(): Record<string, unknown> { return { seen: this.seen }; }
}
