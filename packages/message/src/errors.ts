// Errors specific to encoding messages: refusing to produce a message a broker or sr3 would drop.

import { PermanentError } from '@sarra/common';

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
