// relPath -> AMQP topic (routing key) mapping with sr3's escaping, and message format from a topic prefix.

import type { Format } from './notice.js';

/** RabbitMQ's routing-key limit, in bytes. */
export const TOPIC_MAX_BYTES = 255;

function escapeWord(w: string): string {
  // sr3 quirk kept for interop: '*' becomes %22 (not %2A). '.' is NOT escaped (splits into extra words).
  if (w.indexOf('#') < 0 && w.indexOf('*') < 0) return w;
  return w.replaceAll('#', '%23').replaceAll('*', '%22');
}

/** Cuts `s` to at most `max` UTF-8 bytes without splitting a character. */
export function truncateUtf8(s: string, max: number): string {
  if (s.length * 3 <= max || Buffer.byteLength(s, 'utf8') <= max) return s;
  let bytes = 0;
  let i = 0;
  while (i < s.length) {
    const c = s.codePointAt(i) as number;
    const n = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    if (bytes + n > max) break;
    bytes += n;
    i += c >= 0x10000 ? 2 : 1;
  }
  return s.slice(0, i);
}

/**
 * The AMQP routing key sr3 gives a notice: the prefix words, then the directory components of
 * `relPath` (the last component, the file or directory name itself, excluded; leading '/' dropped),
 * joined by '.', with '#' -> '%23' and '*' -> '%22' in each component. Truncated to 255 bytes
 * (UTF-8 safe). Example: topicFor('v03', 'wire/f_wire.dat') === 'v03.wire'; topicFor('v03', 'wire') === 'v03'.
 */
export function topicFor(topicPrefix: string, relPath: string): string {
  let start = 0;
  while (start < relPath.length && relPath.charCodeAt(start) === 47) start++;
  const last = relPath.lastIndexOf('/');
  if (last < start) return truncateUtf8(topicPrefix, TOPIC_MAX_BYTES);
  const dirs = relPath.slice(start, last);
  let topic: string;
  if (dirs.indexOf('#') < 0 && dirs.indexOf('*') < 0) {
    topic = topicPrefix + '.' + dirs.replaceAll('/', '.');
  } else {
    topic = topicPrefix + '.' + dirs.split('/').map(escapeWord).join('.');
  }
  return truncateUtf8(topic, TOPIC_MAX_BYTES);
}

/** Message format of a topic prefix: 'v02.post' (any prefix starting with word 'v02') -> 'v02', else 'v03'. */
export function formatFromPrefix(topicPrefix: string): Format {
  return topicPrefix === 'v02' || topicPrefix.startsWith('v02.') ? 'v02' : 'v03';
}
