// Maps the typed Options onto what the producers need (kept apart so producers stay testable without config).
import { realpath } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Options } from '@sarra/config';
import { ConfigError } from '@sarra/common';
import type { NoticeSpec } from './fileinfo.js';

/** The notice description of a post/watch: post_baseUrl (required), post_baseDir, identity, inline, source, realpathPost. */
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
    realpath: o.realpathPost,
  };
}

/**
 * The local paths a post or watch starts from: absolute (relative ones under post_baseDir, else the working
 * directory), and with realpathPost (sr3) resolved to their real paths, a linked directory walked where it really is.
 */
export async function startPaths(o: Options, given: string[], base: string | undefined): Promise<string[]> {
  const abs = given.map((p) => (posix.isAbsolute(p) ? p : posix.resolve(base ?? process.cwd(), p)));
  if (!o.realpathPost) return abs;
  return Promise.all(abs.map((p) => realpath(p).catch(() => p)));
}

/** sr3: realpathPost also enforces the traversal of symbolic links (follow_symlinks). */
export function followsSymlinks(o: Options): boolean {
  return o.follow_symlinks || o.realpathPost;
}
