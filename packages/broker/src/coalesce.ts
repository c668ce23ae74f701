// Write coalescing for amqplib connections: one socket write per burst of frames instead of one per message.
import type { ChannelModel } from 'amqplib';

/** Socket write buffer allowed while coalescing, in bytes (the socket default of 16 KiB cuts bursts into small writes). */
const COALESCE_HIGH_WATER = 256 * 1024;

interface MuxLike { _readIncoming(): void; out?: unknown }
interface SocketLike { cork(): void; uncork(): void; writableCorked?: number; _writableState?: { highWaterMark: number } }

/**
 * amqplib's multiplexer copies each frame group (a whole published message, an ack) to the socket with
 * its own write(), i.e. one system call per message. Corking the socket while the multiplexer runs turns
 * a burst of publishes into a single writev: profiling a shovel showed the per-message writes were the
 * largest single CPU cost. Relies on amqplib internals (connection.muxer, connection.stream); if they
 * are not there (another amqplib version) the connection is left untouched. Returns true when patched.
 */
export function coalesceWrites(model: ChannelModel): boolean {
  const conn = (model as unknown as { connection?: { muxer?: MuxLike; stream?: SocketLike } }).connection;
  const mux = conn?.muxer;
  const sock = conn?.stream;
  if (!mux || !sock || typeof mux._readIncoming !== 'function' || typeof sock.cork !== 'function' || typeof sock.uncork !== 'function') {
    return false;
  }
  const ws = sock._writableState;
  if (ws && typeof ws.highWaterMark === 'number' && ws.highWaterMark < COALESCE_HIGH_WATER) ws.highWaterMark = COALESCE_HIGH_WATER;
  const read = mux._readIncoming;
  mux._readIncoming = function coalesced(this: MuxLike): void {
    sock.cork();
    try {
      read.call(this);
    } finally {
      sock.uncork();
    }
  };
  return true;
}
