// sr3 accept.tolocal: on the server that holds the files, a web URL becomes a file URL under the document root,
// so later callbacks work on the local file; accept.tohttp turns it back.
import type { Logger } from '@sarra/common';
import type { Options } from '@sarra/config';
import type { FlowHook, Worklist } from '@sarra/flow';
import { savedUrls } from '../saved-url.js';

export const options = {
  toLocalRoot: { kind: 'str', doc: 'Document root the web URLs map to (default: baseDir).' },
  toLocalUrl: { kind: 'str', default: '^(https?://[^/]+/)', doc: 'Regex of the URL part to replace; its first group is restored by accept.tohttp.' },
} as const;

/** `callback accept.tolocal`: `http://host/a/b` with toLocalRoot /var/www -> `file:///var/www/a/b`. */
export default class ToLocal implements FlowHook {
  readonly name = 'accept.tolocal';
  private readonly root: string;
  private readonly re: RegExp;

  constructor(o: Options, private readonly log: Logger) {
    const root = (o.pluginOptions.toLocalRoot as string | undefined) ?? o.baseDir;
    if (!root) throw new Error('accept.tolocal needs toLocalRoot or baseDir (the document root)');
    this.root = root.replace(/\/+$/, '');
    this.re = new RegExp(o.pluginOptions.toLocalUrl as string);
  }

  afterAccept(wl: Worklist): void {
    for (const it of wl.incoming) {
      const m = this.re.exec(it.notice.baseUrl);
      if (!m || m.index !== 0) continue;
      savedUrls.set(it, m[1] ?? m[0]);
      it.notice.baseUrl = `file://${this.root}/${it.notice.baseUrl.slice(m[0].length)}`;
      if (this.log.enabled('debug')) this.log.debug(`tolocal ${it.notice.relPath}: ${it.notice.baseUrl}`);
    }
  }
}
