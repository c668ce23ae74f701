// The notice of a file held elsewhere (a poll's listing, a site API, a fixed URL): content unknown until downloaded.
import type { Notice } from './notice.js';

/** Where and how remote files are announced: sr3's post_baseUrl, identity and source options. */
export interface RemoteNoticeSpec {
  /** The URL subscribers fetch from (post_baseUrl; a poll's pollUrl by default). */
  baseUrl: string;
  /** sr3 `identity`: `cod,<algo>` is announced as is, `none` announces none, any other method `cod,sha512`. */
  identity: string;
  /** Set as `source` when given. */
  source?: string;
}

/** What is known of the remote file; each fact absent is left out of the notice (never guessed). */
export interface RemoteFacts {
  /** Bytes. */
  size?: number;
  /** sr3 timestamp; announced as mtime and atime. */
  mtime?: string;
  /** Permission bits, announced in octal. */
  mode?: number;
}

/**
 * The notice of remote file `relPath` under `spec.baseUrl`, published at `pubTime`. The content is not at hand, so
 * the identity is "checksum on download" (`cod`): the subscriber computes it as it fetches (sr3 poll).
 */
export function remoteNotice(spec: RemoteNoticeSpec, relPath: string, facts: RemoteFacts, pubTime: string): Notice {
  const n: Notice = { pubTime, baseUrl: spec.baseUrl, relPath };
  const id = spec.identity.toLowerCase();
  if (id.startsWith('cod,')) n.identity = { method: 'cod', value: id.slice(4) };
  else if (id !== 'none') n.identity = { method: 'cod', value: 'sha512' };
  if (facts.size !== undefined) n.size = facts.size;
  if (facts.mtime !== undefined) n.mtime = n.atime = facts.mtime;
  if (facts.mode !== undefined) n.mode = facts.mode.toString(8);
  if (spec.source) n.source = spec.source;
  return n;
}
