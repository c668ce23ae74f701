// v03 wire format: a JSON body (application/json) written byte-for-byte as sr3's Python json.dumps does.

import { MalformedMessageError } from '@sarra/common';
import { locate } from './errors.js';
import type { Notice } from './notice.js';
import { pyDumps } from './pyjson.js';
import { renameOldFields, validateNotice } from './validate.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes bytes as strict UTF-8. @throws MalformedMessageError on invalid sequences (binary garbage). */
export function strictUtf8(body: Uint8Array, what: string): string {
  try {
    return utf8.decode(body);
  } catch (e: unknown) {
    throw new MalformedMessageError(`${what} body is not valid UTF-8 (binary data?)`, { cause: e });
  }
}

/**
 * A JSON body parsed into an object (v03 and WIS bodies alike).
 * @throws MalformedMessageError (non-UTF-8, non-JSON, not an object), the reason starting with `what`.
 */
export function parseObject(body: Uint8Array, what: string): Record<string, unknown> {
  const text = strictUtf8(body, what);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e: unknown) {
    throw new MalformedMessageError(`${what} body is not JSON: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new MalformedMessageError(`${what} body is JSON but not an object (${Array.isArray(parsed) ? 'array' : parsed === null ? 'null' : typeof parsed})`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Validates a parsed v03 body. `integrity` is renamed `identity`, `retPath` `retrievePath`
 * (key order kept); every other field, known or not, is kept as received.
 * @throws MalformedMessageError (invalid fields); a MalformedNoticeError when the object has a string baseUrl or relPath.
 */
export function decodeV03(o: Record<string, unknown>): Notice {
  try {
    return validateNotice(renameOldFields(o));
  } catch (e: unknown) {
    throw locate(e, o);
  }
}

/** The v03 body of a notice: Python json.dumps text (", " / ": ", ensure_ascii), keys in insertion order. */
export function encodeV03(notice: Notice): Buffer {
  // ensure_ascii output is pure ASCII, so latin1 is the fastest exact conversion
  return Buffer.from(pyDumps(notice), 'latin1');
}
