// Wire <-> Notice: format detection (COMPAT section 4), size limit, and dispatch to the v02/v03 codecs.

import { MalformedMessageError } from '@sarra/common';
import type { Format, Notice } from './notice.js';
import { topicFor } from './topic.js';
import { decodeV02, encodeV02 } from './v02.js';
import { decodeV03, encodeV03 } from './v03.js';

/** A message as a broker adapter hands it over or publishes it. */
export interface WireMessage {
  routingKey: string;
  body: Buffer;
  contentType?: string;
  contentEncoding?: string;
  headers?: Record<string, unknown>;
}

export interface Decoded {
  notice: Notice;
  format: Format;
  /** full routing key received */
  topic: string;
}

/** Default largest accepted body, in bytes (1 MiB). */
export const DEFAULT_MAX_BYTES = 1 << 20;

/**
 * The wire format of a received message: content-type application/geo+json is WIS (unsupported,
 * refused), application/json is v03; text/plain, a body not starting with '{', or a topic starting
 * 'v02.' is v02; anything else v03.
 * @throws MalformedMessageError for WIS / GeoJSON messages.
 */
export function detectFormat(msg: WireMessage): Format {
  const ct = msg.contentType;
  if (ct !== undefined) {
    if (ct.startsWith('application/geo+json')) throw new MalformedMessageError('WIS (application/geo+json) messages are not supported');
    if (ct.startsWith('application/json')) return 'v03';
    if (ct.startsWith('text/plain')) return 'v02';
  }
  const b = msg.body;
  let i = 0;
  while (i < b.length && (b[i] === 32 || b[i] === 9 || b[i] === 10 || b[i] === 13)) i++;
  if (b[i] !== 123 /* { */) return 'v02';
  if (msg.routingKey.startsWith('v02.')) return 'v02';
  return 'v03';
}

/**
 * Detects v02/v03, validates, and returns a v03-shaped Notice (integrity -> identity, retPath -> retrievePath).
 * @param opts.maxBytes largest body accepted, in bytes (default 1 MiB)
 * @throws MalformedMessageError(reason) for anything malformed: non-JSON v03, JSON that is not an object,
 *   missing/empty/wrong-typed pubTime/baseUrl/relPath, bad times, unknown identity method, wrong types,
 *   short v02 body, oversized body, binary garbage, NUL in paths. Nothing else is thrown.
 */
export function decode(msg: WireMessage, opts?: { maxBytes?: number }): Decoded {
  try {
    const max = opts?.maxBytes ?? DEFAULT_MAX_BYTES;
    const body = msg.body;
    if (!(body instanceof Uint8Array)) throw new MalformedMessageError('message body is not bytes');
    if (body.length > max) throw new MalformedMessageError(`message body of ${body.length} bytes exceeds the ${max}-byte limit`);
    if (body.length === 0) throw new MalformedMessageError('empty message body');
    const format = detectFormat(msg);
    const notice = format === 'v03' ? decodeV03(body) : decodeV02(body, msg.headers);
    return { notice, format, topic: msg.routingKey };
  } catch (e: unknown) {
    if (e instanceof MalformedMessageError) throw e;
    // a bug or an exotic input must still reach the caller as "malformed", never crash a flow
    throw new MalformedMessageError(`undecodable message: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/**
 * The wire form of a notice. v03: JSON body byte-for-byte like sr3 (Python json.dumps), content-type
 * application/json, no headers. v02: body "<pubTime> <baseUrl> <relPath>" + headers, content-type text/plain.
 * routingKey = `opts.topic` if given, else topicFor(`opts.topicPrefix` (default 'v03' / 'v02.post'), relPath).
 * @throws HeaderTooLongError (v02 header over 255 bytes), MalformedMessageError (notice lacks
 *   pubTime/baseUrl/relPath strings, or has an identity v02 cannot express).
 */
export function encode(notice: Notice, format: Format, opts?: { topicPrefix?: string; topic?: string }): WireMessage {
  if (typeof notice.pubTime !== 'string' || typeof notice.baseUrl !== 'string' || typeof notice.relPath !== 'string') {
    throw new MalformedMessageError('cannot encode a notice without pubTime, baseUrl and relPath strings');
  }
  const routingKey = opts?.topic ?? topicFor(opts?.topicPrefix ?? (format === 'v02' ? 'v02.post' : 'v03'), notice.relPath);
  if (format === 'v02') {
    const { body, headers } = encodeV02(notice);
    return { routingKey, body, contentType: 'text/plain', contentEncoding: 'utf-8', headers };
  }
  return { routingKey, body: encodeV03(notice), contentType: 'application/json' };
}
