// sr3 accept.httptohttps: notices announcing http:// URLs are fetched over https:// instead (same host and path).
import type { FlowHook, Worklist } from '@sarra/flow';

/** `callback accept.httptohttps`: rewrites each accepted notice's baseUrl from `http:` to `https:`. */
export default class HttpToHttps implements FlowHook {
  readonly name = 'accept.httptohttps';

  afterAccept(wl: Worklist): void {
    for (const it of wl.incoming) {
      if (it.notice.baseUrl.startsWith('http:')) it.notice.baseUrl = `https:${it.notice.baseUrl.slice(5)}`;
    }
  }
}
