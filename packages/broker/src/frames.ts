// Batched publishing on an amqplib channel: the frames of many basic.publish go to the connection in one write.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Channel } from 'amqplib';

/** The amqplib internals used here (lib/defs.js), loaded once; null when this amqplib does not have them. */
interface Defs {
  encodeMethod(method: number, channel: number, fields: unknown): Buffer;
  encodeProperties(props: number, channel: number, size: number, fields: unknown): Buffer;
  BasicPublish: number;
  BasicProperties: number;
  FRAME_OVERHEAD: number;
}

/** The parts of an amqplib channel object touched while batching. */
interface ChannelInternals {
  ch: number;
  connection: {
    frameMax: number;
    sentSinceLastCheck: boolean;
    stream?: { writableNeedDrain?: boolean; once(ev: 'drain', f: () => void): unknown };
    channels: ({ buffer: { write(chunk: Buffer): boolean } } | null)[];
  };
  sendMessage(fields: unknown, props: unknown, content: Buffer): boolean;
}

let defs: Defs | null | undefined;

function loadDefs(): Defs | null {
  if (defs !== undefined) return defs;
  try {
    const req = createRequire(import.meta.url);
    // not an exported subpath: resolve the package entry and load the file beside it by absolute path
    const d = req(join(dirname(req.resolve('amqplib')), 'lib', 'defs.js')) as Partial<Defs>;
    const ok = typeof d.encodeMethod === 'function' && typeof d.encodeProperties === 'function' &&
      typeof d.BasicPublish === 'number' && typeof d.BasicProperties === 'number' && typeof d.FRAME_OVERHEAD === 'number';
    defs = ok ? (d as Defs) : null;
  } catch {
    defs = null;
  }
  return defs;
}

const FRAME_BODY = 3;
const FRAME_END = Buffer.from([206]);
/** A batch is handed to the connection once it holds this many bytes. */
const BATCH_BYTES = 256 * 1024;
/** Bytes one publishBatched() call hands over before it reports back-pressure (amqplib counts writes, not bytes). */
const BURST_BYTES = 2 * 1024 * 1024;

/**
 * Runs `fn` (which calls `channel.publish(...)` any number of times) with the channel's frames collected
 * and written to the connection as one buffer per ~512 KiB, instead of amqplib's one stream write per
 * message (each a trip through a PassThrough and the multiplexer). Publish order, and with it the
 * publisher-confirm sequence numbers, is unchanged: amqplib still registers each confirm callback, only
 * the byte transport is batched. Messages too large for one body frame, or an amqplib without the
 * expected internals, take amqplib's own path. `channel.publish` returns false (back-pressure) only
 * when a batch handed over was refused room; the result says whether the last hand-over had room.
 */
export function publishBatched(channel: Channel, fn: () => void): boolean {
  const d = loadDefs();
  const c = channel as unknown as ChannelInternals;
  const conn = c.connection;
  if (!d || !conn || typeof c.ch !== 'number' || !Array.isArray(conn.channels) || typeof c.sendMessage !== 'function') {
    fn();
    return true;
  }
  const own = Object.prototype.hasOwnProperty.call(c, 'sendMessage');
  const original = c.sendMessage;
  const maxBody = (conn.frameMax || 131072) - d.FRAME_OVERHEAD;
  let parts: Buffer[] = [];
  let bytes = 0;
  let handed = 0;
  const handOver = (): boolean => {
    if (parts.length === 0) return true;
    const all = Buffer.concat(parts, bytes);
    parts = [];
    bytes = 0;
    const slot = conn.channels[c.ch];
    // channel gone: the confirm callbacks already registered are failed by amqplib's close handling
    if (!slot) return true;
    conn.sentSinceLastCheck = true;
    handed += all.length;
    return slot.buffer.write(all) && handed < BURST_BYTES;
  };
  const ch = c.ch;
  c.sendMessage = function batched(this: ChannelInternals, fields: unknown, props: unknown, content: Buffer): boolean {
    if (!Buffer.isBuffer(content) || content.length > maxBody) {
      handOver();
      return original.call(this, fields, props, content);
    }
    const m = methodFrame(d, ch, fields as PublishFields);
    const p = propertiesFrame(d, ch, content.length, props as PublishProps);
    parts.push(m, p);
    bytes += m.length + p.length;
    if (content.length > 0) {
      const h = Buffer.allocUnsafe(7);
      h.writeUInt8(FRAME_BODY, 0);
      h.writeUInt16BE(c.ch, 1);
      h.writeUInt32BE(content.length, 3);
      parts.push(h, content, FRAME_END);
      bytes += content.length + 8;
    }
    return bytes >= BATCH_BYTES ? handOver() : handed < BURST_BYTES;
  };
  try {
    fn();
  } finally {
    if (own) c.sendMessage = original;
    else delete (c as Partial<ChannelInternals>).sendMessage;
  }
  return handOver();
}

/** basic.publish method fields as amqplib's Args.publish builds them. */
interface PublishFields { exchange: string; routingKey: string; mandatory?: boolean; immediate?: boolean; ticket?: number }
/** basic properties as amqplib's Args.publish builds them (headers: an object whose prototype holds the caller's headers). */
type PublishProps = Record<string, unknown> & { headers?: Record<string, unknown> };

/** Encoded frames are reused (a relay publishes the same few exchange/topic/property combinations over and over). */
const CACHE_MAX = 4096;
const methods = new Map<string, Buffer>();
const propertyTemplates = new Map<string, Buffer>();
/** Properties a notice never carries: a message with any of them is encoded by amqplib, uncached. */
const RARE_PROPS = ['priority', 'correlationId', 'replyTo', 'messageId', 'type', 'userId', 'appId', 'clusterId'];
const str = (v: unknown): string => (v === undefined ? 'u' : `s${String(v)}`);

function methodFrame(d: Defs, ch: number, f: PublishFields): Buffer {
  if (f.ticket || f.immediate) return d.encodeMethod(d.BasicPublish, ch, f);
  const key = `${ch}\0${f.mandatory ? 1 : 0}\0${f.exchange}\0${f.routingKey}`;
  let b = methods.get(key);
  if (!b) {
    if (methods.size >= CACHE_MAX) methods.clear();
    b = d.encodeMethod(d.BasicPublish, ch, f);
    methods.set(key, b);
  }
  return b;
}

/**
 * The content header frame: from a cached template with the body size patched in (offset 11, 64-bit),
 * when the message has no headers and no timestamp; otherwise amqplib encodes it.
 */
function propertiesFrame(d: Defs, ch: number, size: number, props: PublishProps): Buffer {
  if (props.timestamp !== undefined) return d.encodeProperties(d.BasicProperties, ch, size, props);
  const h = props.headers;
  if (h) for (const _k in h) return d.encodeProperties(d.BasicProperties, ch, size, props);
  for (const name of RARE_PROPS) if (props[name] !== undefined) return d.encodeProperties(d.BasicProperties, ch, size, props);
  const key = `${ch}\0${str(props.contentType)}\0${str(props.contentEncoding)}\0${str(props.deliveryMode)}\0${str(props.expiration)}`;
  let t = propertyTemplates.get(key);
  if (!t) {
    if (propertyTemplates.size >= CACHE_MAX) propertyTemplates.clear();
    t = d.encodeProperties(d.BasicProperties, ch, 0, props);
    propertyTemplates.set(key, t);
  }
  const b = Buffer.allocUnsafe(t.length);
  t.copy(b);
  b.writeUInt32BE(Math.floor(size / 0x100000000), 11);
  b.writeUInt32BE(size >>> 0, 15);
  return b;
}

/**
 * Calls `cb` once what was handed to `channel`'s connection has gone to the socket: after the
 * multiplexer's next run, and after the socket's 'drain' if its buffer is over its high-water mark.
 * Used to resume publishing after publishBatched() reported back-pressure for a large burst.
 */
export function whenWritten(channel: Channel, cb: () => void): void {
  const sock = (channel as unknown as Partial<ChannelInternals>).connection?.stream;
  // two turns: the multiplexer's read is itself scheduled with setImmediate after our hand-over
  setImmediate(() => setImmediate(() => {
    if (sock?.writableNeedDrain) sock.once('drain', cb);
    else cb();
  }));
}
