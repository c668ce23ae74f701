// Holding amqplib to the frame-max negotiated with the broker (AMQP 0-9-1 section 4.2.3), and the frame error it owes.
import type { ChannelModel } from 'amqplib';

/** frame-max proposed to the broker in connection.tune-ok, in bytes (amqplib's and RabbitMQ's default). */
export const FRAME_MAX = 131072;

/** Frame header (7 bytes) and frame-end octet: frame-max counts them, a frame's size field does not. */
const FRAME_OVERHEAD = 8;

/** The largest frame payload a frame-max allows (what RabbitMQ enforces on what it receives, too). */
export function maxPayload(frameMax: number): number {
  return frameMax - FRAME_OVERHEAD;
}

/** connection.close (class 10, method 50) and reply code 501 frame-error. */
const CONNECTION_CLOSE = 0x000a0032;
const FRAME_ERROR = 501;
const SHORTSTR_MAX = 255;

/** The parts of amqplib's Connection (lib/connection.js) touched here. */
interface ConnectionInternals {
  frameMax: number;
  maxFrameSize: number;
  sendMethod(channel: number, method: number, fields: unknown): unknown;
  prependListener(event: 'frameError', listener: (err: Error) => void): unknown;
}

/**
 * amqplib takes a frame limit (maxFrameSize) before the handshake, when frame-max is not negotiated yet: openNode
 * passes maxPayload(FRAME_MAX), and this lowers it to what was negotiated once the connection is open (a broker may
 * propose less). A frame over it is a frame error; amqplib then drops the socket without a word, so this first tells
 * the broker why, as the spec asks: connection.close 501 with amqplib's reason. Relies on amqplib internals; without
 * them (another amqplib version) the limit stays maxPayload(FRAME_MAX) and the socket is dropped silently.
 */
export function limitFrames(model: ChannelModel): void {
  const c = (model as unknown as { connection?: Partial<ConnectionInternals> }).connection;
  if (!c) return;
  if (typeof c.frameMax === 'number' && typeof c.maxFrameSize === 'number' && c.frameMax > FRAME_OVERHEAD && c.maxFrameSize > 0) {
    c.maxFrameSize = Math.min(c.maxFrameSize, maxPayload(c.frameMax));
  }
  const send = c.sendMethod;
  if (typeof send !== 'function' || typeof c.prependListener !== 'function') return;
  // before amqplib's own listener, which ends the socket
  c.prependListener('frameError', (err: Error) => {
    try {
      // a shortstr: at most 255 bytes, so ASCII only
      const replyText = `FRAME_ERROR - ${err.message}`.replace(/[^\x20-\x7e]/g, '?').slice(0, SHORTSTR_MAX);
      send.call(c, 0, CONNECTION_CLOSE, { replyCode: FRAME_ERROR, replyText, classId: 0, methodId: 0 });
    } catch {
      // the socket is already gone: nothing to tell
    }
  });
}
