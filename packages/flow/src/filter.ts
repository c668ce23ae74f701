// Accept/reject masks in file order against a notice's full URL, and the message age check (pure).
import type { Mask, Options } from '@sarra/config';
import { msFromTimestamp } from '@sarra/message';
import type { Notice } from '@sarra/message';
import type { WorkItem } from './types.js';

/** What {@link applyMasks} decided for one notice. */
export interface MaskResult {
  accepted: boolean;
  /** The mask that decided (absent when nothing matched: `acceptUnmatched` decided). */
  mask?: Mask;
  /** Regex groups of the deciding match: `groups[0]` is the whole match, `groups[1]` feeds `${1}`. */
  groups: string[];
}

/**
 * Joins a base URL and a path with sr3's `/` fix-up: exactly one `/` between them.
 * `joinUrl('http://h/', '/a')` = `joinUrl('http://h', 'a')` = `http://h/a`.
 */
export function joinUrl(baseUrl: string, path: string): string {
  const slashEnd = baseUrl.endsWith('/');
  const slashStart = path.startsWith('/');
  if (slashEnd && slashStart) return baseUrl + path.slice(1);
  if (slashEnd || slashStart || path === '') return baseUrl + path;
  return `${baseUrl}/${path}`;
}

/** The string the masks are matched against: baseUrl + relPath (with the `/` fix-up), plus `:sundew_extension` when present. */
export function urlToMatch(n: Notice): string {
  const url = joinUrl(n.baseUrl, n.relPath);
  const ext = n['sundew_extension'];
  return typeof ext === 'string' && ext !== '' ? `${url}:${ext}` : url;
}

/** Where the data is fetched from: baseUrl + (retrievePath ?? relPath), with the `/` fix-up. */
export function sourceUrl(n: Notice): string {
  return joinUrl(n.baseUrl, typeof n.retrievePath === 'string' && n.retrievePath !== '' ? n.retrievePath : n.relPath);
}

/** Python `re.match`: a match that starts at index 0 (the config anchors masks; this also guards unanchored ones). */
function matchAtStart(re: RegExp, s: string): RegExpExecArray | null {
  re.lastIndex = 0;
  const m = re.exec(s);
  return m && m.index === 0 ? m : null;
}

/**
 * Applies `o.masks` in file order to the notice's full URL ({@link urlToMatch}); the first match decides
 * (accept or reject); when none matches, `o.acceptUnmatched` decides. Pure; `now` is unused and kept for
 * symmetry with the other filter steps.
 */
export function applyMasks(o: Options, item: WorkItem, _now?: number): MaskResult {
  const url = urlToMatch(item.notice);
  for (const mask of o.masks) {
    const m = mask.pattern === '.*' ? [url] : matchAtStart(mask.regex, url);
    if (!m) continue;
    const groups = Array.from(m, (g) => g ?? '');
    return { accepted: mask.accept, mask, groups };
  }
  return { accepted: o.acceptUnmatched, groups: [] };
}

/**
 * Age of the notice in ms (now - pubTime). Returns undefined when pubTime does not parse
 * (the decoder already validated it; a hook may have changed it).
 */
export function messageAgeMs(item: WorkItem, now: number = Date.now()): number | undefined {
  if (item.pubMs !== undefined) return now - item.pubMs;
  try {
    return now - msFromTimestamp(item.notice.pubTime);
  } catch {
    return undefined;
  }
}
