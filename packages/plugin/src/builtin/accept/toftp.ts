// The ftp counterpart of accept.tohttp: a file URL under the document root is announced as the URL of the ftp
// server that serves that root (after a filter made or changed the files locally).
import type { Logger } from '@sarra/common';
import type { Options } from '@sarra/config';
import type { FlowHook, Worklist } from '@sarra/flow';
import { savedUrls } from '../saved-url.js';

export const options = {
  toFtpRoot: { kind: 'str', doc: 'Document root of the file URLs (default: baseDir).' },
  toFtpUrl: { kind: 'str', doc: 'ftp:// or ftps:// URL serving that root, without a password (required).' },
} as const;

/** The ftp(s) URL of the root, with a trailing `/`; refused when not ftp or when it carries a password (it is announced). */
function ftpRootUrl(text: string | undefined): string {
  if (!text) throw new Error('accept.toftp needs toFtpUrl (the ftp:// URL serving the document root)');
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`accept.toftp: toFtpUrl ${text} is not a URL`);
  }
  if (u.protocol !== 'ftp:' && u.protocol !== 'ftps:') throw new Error(`accept.toftp: toFtpUrl must be ftp:// or ftps://, not ${u.protocol}`);
  if (u.password) throw new Error('accept.toftp: toFtpUrl must not carry a password (it is announced): credentials.conf supplies it');
  return text.endsWith('/') ? text : `${text}/`;
}

/**
 * `callback accept.toftp` with `toFtpUrl ftp://host/`: `file:///var/ftp/a/b` (under toFtpRoot /var/ftp) is
 * announced as `ftp://host/a/b`. An item whose URL is not under the root is left as it is.
 */
export default class ToFtp implements FlowHook {
  readonly name = 'accept.toftp';
  private readonly prefix: string;
  private readonly url: string;

  constructor(o: Options, private readonly log: Logger) {
    const root = (o.pluginOptions.toFtpRoot as string | undefined) ?? o.baseDir;
    if (!root) throw new Error('accept.toftp needs toFtpRoot or baseDir (the document root)');
    this.prefix = `file://${root.replace(/\/+$/, '')}/`;
    this.url = ftpRootUrl(o.pluginOptions.toFtpUrl as string | undefined);
  }

  afterAccept(wl: Worklist): void {
    for (const it of wl.incoming) {
      if (!it.notice.baseUrl.startsWith(this.prefix)) continue;
      it.notice.baseUrl = this.url + it.notice.baseUrl.slice(this.prefix.length);
      // announced over ftp now: accept.tohttp must not put the web URL back
      savedUrls.delete(it);
      if (this.log.enabled('debug')) this.log.debug(`toftp ${it.notice.relPath}: ${it.notice.baseUrl}`);
    }
  }
}
