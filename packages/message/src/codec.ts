// Wire <-> Notice: format detection (COMPAT section 4), size limit, and dispatch to the v02/v03/WIS codecs.

import { MalformedMessageError } from '@sarra/common';
import type { Format, Notice } from './notice.js';
import { topicFor } from './topic.js';
import { decodeV02, encodeV02 } from './v02.js';
import { decodeV03, encodeV03, parseObject } from './v03.js';
import { decodeWis, encodeWis, WIS_CONTENT_TYPE, wisTopic } from './wis.js';

/** A message as a broker adapter hands it over or publishes it. */
export interface WireMessage {
  routingKey: string;
  /**
   * MQTT: the whole topic as received (`/`-separated, the exchange its first level). A WIS message's relPath is
   * rebuilt from it, as sr3 does; without it (AMQP) from the routing key, its `.` read as `/`.
   */
  topic?: string;
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
 * The wire format of a received message by its content type: application/geo+json is WIS,
 * application/json is v03; text/plain, a body not starting with '{', or a topic starting 'v02.' is v02;
 * anything else v03 (decode() reads a v03 body without a content type whose "type" is "Feature" as WIS).
 */
export function detectFormat(msg: WireMessage): Format {
  const ct = msg.contentType;
  if (ct !== undefined) {
    if (ct.startsWith(WIS_CONTENT_TYPE)) return 'wis';
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
 * Detects v02/v03/WIS, validates, and returns a v03-shaped Notice (integrity -> identity, retPath -> retrievePath;
 * a WIS message as decodeWis() reads it, its relPath under the topic).
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
    let format = detectFormat(msg);
    if (format === 'v02') return { notice: decodeV02(body, msg.headers), format, topic: msg.routingKey };
    const o = parseObject(body, format);
    if (format === 'v03' && msg.contentType === undefined && o.type === 'Feature') format = 'wis';
    const notice = format === 'wis' ? decodeWis(o, msg.topic ?? msg.routingKey.replaceAll('.', '/')) : decodeV03(o);
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
 * wis: encodeWis() body, content-type application/geo+json, no headers.
 * routingKey = `opts.topic` if given, else for wis wisTopic(notice, `opts.topicPrefix`), else
 * topicFor(`opts.topicPrefix` (default 'v03' / 'v02.post'), relPath).
 * @throws HeaderTooLongError (v02 header over 255 bytes), MalformedMessageError (notice lacks
 *   pubTime/baseUrl/relPath strings, has an identity v02 cannot express, or no size for wis).
 */
export function encode(notice: Notice, format: Format, opts?: { topicPrefix?: string; topic?: string }): WireMessage {
  if (typeof notice.pubTime !== 'string' || typeof notice.baseUrl !== 'string' || typeof notice.relPath !== 'string') {
    throw new MalformedMessageError('cannot encode a notice without pubTime, baseUrl and relPath strings');
  }
  if (format === 'wis') {
    const routingKey = opts?.topic ?? wisTopic(notice, opts?.topicPrefix ?? 'v03');
    return { routingKey, body: encodeWis(notice), contentType: WIS_CONTENT_TYPE };
  }
  const routingKey = opts?.topic ?? topicFor(opts?.topicPrefix ?? (format === 'v02' ? 'v02.post' : 'v03'), notice.relPath);
  if (format === 'v02') {
    const { body, headers } = encodeV02(notice);
    return { routingKey, body, contentType: 'text/plain', contentEncoding: 'utf-8', headers };
  }
  return { routingKey, body: encodeV03(notice), contentType: 'application/json' };
}
