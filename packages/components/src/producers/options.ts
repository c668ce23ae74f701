// Maps the typed Options onto what the producers need (kept apart so producers stay testable without config).
import type { Options } from '@sarra/config';
import { ConfigError } from '@sarra/common';
import type { NoticeSpec } from './fileinfo.js';

/** The notice description of a post/watch: post_baseUrl (required), post_baseDir, identity, inline, source. */
export function noticeSpecOf(o: Options): NoticeSpec {
  if (!o.post_baseUrl) throw new ConfigError(`${o.component}/${o.config}: post_baseUrl is required`, { file: o.file });
  const extra = o as unknown as Record<string, unknown>;
  return {
    baseUrl: o.post_baseUrl,
    baseDir: o.post_baseDir ?? o.baseDir,
    identity: o.identity || 'sha512',
    arbitraryValue: typeof extra.identity_arbitrary_value === 'string' ? extra.identity_arbitrary_value : undefined,
    inline: o.inline,
    inlineByteMax: o.inlineByteMax,
    inlineEncoding: o.inlineEncoding,
    source: o.source,
  };
}
