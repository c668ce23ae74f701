// sr3's trim_header: named fields (headers) are taken out of each accepted notice before it is passed on.
import type { Options } from '@sarra/config';
import type { FlowHook, Worklist } from '@sarra/flow';

export const options = {
  trim_header: { kind: 'list', default: [], doc: 'Notice fields to remove (never pubTime, baseUrl, relPath).' },
} as const;

const CORE = new Set(['pubTime', 'baseUrl', 'relPath']);

/** `callback accept.trim_header` with `trim_header mtime,atime,mode`: those fields leave every accepted notice. */
export default class TrimHeader implements FlowHook {
  readonly name = 'accept.trim_header';
  private readonly fields: string[];

  constructor(o: Options) {
    this.fields = (o.pluginOptions.trim_header as string[] | undefined) ?? [];
    const core = this.fields.find((f) => CORE.has(f));
    if (core) throw new Error(`trim_header: ${core} is what a notice is made of and cannot be removed`);
  }

  afterAccept(wl: Worklist): void {
    for (const it of wl.incoming) for (const f of this.fields) delete it.notice[f];
  }
}
