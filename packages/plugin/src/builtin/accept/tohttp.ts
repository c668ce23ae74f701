// sr3 accept.tohttp: the converse of accept.tolocal, the file URL under the document root becomes the web URL again.
import type { Logger } from '@sarra/common';
import type { Options } from '@sarra/config';
import type { FlowHook, Worklist } from '@sarra/flow';
import { savedUrls } from '../saved-url.js';

export const options = {
  toHttpRoot: { kind: 'str', doc: 'Document root of the file URLs (default: baseDir).' },
} as const;

/**
 * `callback accept.tohttp`: `file:///var/www/a/b` -> the web URL accept.tolocal saved for the item (`http://host/a/b`).
 * An item accept.tolocal did not convert is left as it is.
 */
export default class ToHttp implements FlowHook {
  readonly name = 'accept.tohttp';
  private readonly prefix: string;

  constructor(o: Options, private readonly log: Logger) {
    const root = (o.pluginOptions.toHttpRoot as string | undefined) ?? o.baseDir;
    if (!root) throw new Error('accept.tohttp needs toHttpRoot or baseDir (the document root)');
    this.prefix = `file://${root.replace(/\/+$/, '')}/`;
  }

  afterAccept(wl: Worklist): void {
    for (const it of wl.incoming) {
      const saved = savedUrls.get(it);
      if (!saved || !it.notice.baseUrl.startsWith(this.prefix)) continue;
      it.notice.baseUrl = saved + it.notice.baseUrl.slice(this.prefix.length);
      savedUrls.delete(it);
      if (this.log.enabled('debug')) this.log.debug(`tohttp ${it.notice.relPath}: ${it.notice.baseUrl}`);
    }
  }
}
