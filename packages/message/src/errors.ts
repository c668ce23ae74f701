// Errors of the codecs: a message a broker or sr3 would drop (encoding), a malformed notice located by baseUrl/relPath (decoding).

import { MalformedMessageError, PermanentError } from '@sarra/common';

/**
 * An AMQP header (name or string value) longer than 255 bytes: RabbitMQ's short-string limit, above
 * which sr3 drops the publish. Thrown by v02 encoding instead of producing such a message.
 */
export class HeaderTooLongError extends PermanentError {
  /** header name */
  readonly header: string;
  /** UTF-8 length in bytes of the offending name or value */
  readonly bytes: number;
  constructor(header: string, bytes: number) {
    super(`v02 header ${JSON.stringify(header.slice(0, 40))} is ${bytes} bytes, over the 255-byte AMQP limit`, {
      code: 'ERR_HEADER_TOO_LONG',
      reportCode: 503,
    });
    this.header = header;
    this.bytes = bytes;
  }
}

/** Where a malformed notice pointed, as far as its body and headers could be read. */
export interface NoticeWhere {
  baseUrl?: string;
  relPath?: string;
}

/**
 * A malformed notice whose `baseUrl` and/or `relPath` could still be read, so the warning can name the
 * file that is lost. Thrown by decode() in place of a plain MalformedMessageError whenever either is known.
 */
export class MalformedNoticeError extends MalformedMessageError {
  readonly baseUrl?: string;
  readonly relPath?: string;
  constructor(reason: string, where: NoticeWhere, options?: { cause?: unknown }) {
    super(reason, options);
    if (where.baseUrl !== undefined) this.baseUrl = where.baseUrl;
    if (where.relPath !== undefined) this.relPath = where.relPath;
  }

  /** `baseUrl="…" relPath="…"` (the known ones, JSON-quoted so network text cannot break a log line, each cut at 200 characters). */
  where(): string {
    const q = (v: string): string => JSON.stringify(v.length > WHERE_MAX ? v.slice(0, WHERE_MAX) + '…' : v);
    const parts: string[] = [];
    if (this.baseUrl !== undefined) parts.push(`baseUrl=${q(this.baseUrl)}`);
    if (this.relPath !== undefined) parts.push(`relPath=${q(this.relPath)}`);
    return parts.join(' ');
  }
}

const WHERE_MAX = 200;

/**
 * `e` located at the `baseUrl` and `relPath` of the partly decoded notice `o` (those that are non-empty strings):
 * a MalformedNoticeError when `e` is a MalformedMessageError and either is known, else `e` itself.
 */
export function locate(e: unknown, o: Record<string, unknown>): unknown {
  if (!(e instanceof MalformedMessageError) || e instanceof MalformedNoticeError) return e;
  const baseUrl = typeof o.baseUrl === 'string' && o.baseUrl !== '' ? o.baseUrl : undefined;
  const relPath = typeof o.relPath === 'string' && o.relPath !== '' ? o.relPath : undefined;
  if (baseUrl === undefined && relPath === undefined) return e;
  return new MalformedNoticeError(e.message, { baseUrl, relPath }, { cause: e.cause });
}
