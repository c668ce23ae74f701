// Testkit: a fake AMQP 0-9-1 server on an ephemeral loopback port for protocol faults a real broker cannot
// produce (malformed or oversized frames, a server that stops mid-frame, heartbeats that never come).
// It answers like a broker just enough for a Consumer or Publisher to get going; a test scripts each
// connection. Beside the real-RabbitMQ tests, never instead of them (rabbitmq-client's test/util.ts pattern).
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** Frame types (AMQP 0-9-1 section 4.2.3) and the frame-end octet. */
export const FRAME = { method: 1, header: 2, body: 3, heartbeat: 8, end: 0xce } as const;

const PROTOCOL_HEADER = Buffer.from('AMQP\x00\x00\x09\x01', 'latin1');

/** Method names by `classId << 16 | methodId`, for the methods a client sends that the fake knows. */
const NAMES: Record<number, string> = {
  [0x000a000b]: 'connection.start-ok', [0x000a001f]: 'connection.tune-ok', [0x000a0028]: 'connection.open',
  [0x000a0032]: 'connection.close', [0x000a0033]: 'connection.close-ok',
  [0x0014000a]: 'channel.open', [0x00140028]: 'channel.close', [0x00140029]: 'channel.close-ok',
  [0x0028000a]: 'exchange.declare', [0x0032000a]: 'queue.declare', [0x00320014]: 'queue.bind',
  [0x003c000a]: 'basic.qos', [0x003c0014]: 'basic.consume', [0x003c001e]: 'basic.cancel', [0x003c0028]: 'basic.publish',
  [0x003c0050]: 'basic.ack', [0x003c005a]: 'basic.reject', [0x003c0078]: 'basic.nack', [0x0055000a]: 'confirm.select',
};

/** A method frame received from the client. `args` is the undecoded argument list. */
export interface ClientMethod { name: string; channel: number; classId: number; methodId: number; args: Buffer }

/** Encoders for the AMQP field types used here. */
export const enc = {
  octet: (n: number): Buffer => Buffer.from([n]),
  short: (n: number): Buffer => { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b; },
  long: (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; },
  longlong: (n: number): Buffer => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; },
  shortstr: (s: string): Buffer => Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)]),
  longstr: (s: string): Buffer => { const v = Buffer.from(s); return Buffer.concat([enc.long(v.length), v]); },
  emptyTable: (): Buffer => enc.long(0),
};

/** One frame: type, channel, size, payload, frame-end (`end` overrides the frame-end octet, `size` the size field). */
export function frame(type: number, channel: number, payload: Buffer, o: { end?: number; size?: number } = {}): Buffer {
  const head = Buffer.alloc(7);
  head.writeUInt8(type, 0);
  head.writeUInt16BE(channel, 1);
  head.writeUInt32BE(o.size ?? payload.length, 3);
  return Buffer.concat([head, payload, Buffer.from([o.end ?? FRAME.end])]);
}

/** A method frame. */
export function methodFrame(channel: number, classId: number, methodId: number, ...args: Buffer[]): Buffer {
  return frame(FRAME.method, channel, Buffer.concat([enc.short(classId), enc.short(methodId), ...args]));
}

/** Server settings proposed in Connection.Tune. */
export interface TuneOptions {
  /** Heartbeat in seconds; 0 = none. @default 0 */
  heartbeat?: number;
  /** @default 131072 */
  frameMax?: number;
  /** @default 2047 */
  channelMax?: number;
}

type Answer = (c: FakeConnection, m: ClientMethod) => void;

/**
 * One client connection as the fake server sees it. By default it answers like a broker: the handshake,
 * channel.open, declares, binds, qos, consume, confirm.select, a basic.ack for every publish on a
 * confirm channel, and the close handshakes. `intercept()` replaces the answer to one method; `silence()`
 * stops all answers (the socket stays open, nothing more is sent).
 */
export class FakeConnection {
  /** Every method the client sent, in order. */
  readonly received: ClientMethod[] = [];
  /** Consumers started by basic.consume (channel, consumer tag), in order. */
  readonly consumers: { channel: number; tag: string }[] = [];
  /** When the TCP connection was accepted (Date.now()). */
  readonly acceptedAt = Date.now();
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;
  private buf = Buffer.alloc(0);
  private gotHeader = false;
  private answering = true;
  private readonly intercepts = new Map<string, Answer>();
  private readonly waiters: { name: string; resolve: (m: ClientMethod) => void }[] = [];
  private readonly published = new Map<number, number>();
  private readonly confirming = new Set<number>();
  private content: { channel: number; left: number } | undefined;
  private ctag = 0;
  private beating = true;
  private beat: NodeJS.Timeout | undefined;

  constructor(readonly socket: Socket, readonly index: number, private readonly tune: Required<TuneOptions>) {
    this.closed = new Promise((r) => socket.once('close', () => r()));
    socket.on('error', () => {});
    socket.once('close', () => clearInterval(this.beat));
    socket.on('data', (d: Buffer) => this.onData(d));
  }

  /**
   * Replaces the answer to `name` with `fn`: a method name as in `received` (e.g. 'connection.start-ok'),
   * 'protocol-header' (the client's first 8 bytes), or 'publish-complete' (a whole message received, its
   * `args` the 8-byte publish sequence number; the default answer is basic.ack on a confirm channel).
   */
  intercept(name: string, fn: Answer): void {
    this.intercepts.set(name, fn);
  }

  /** From now on nothing is answered or sent, heartbeats included (a hung broker); the socket stays open. */
  silence(): void {
    this.answering = false;
  }

  /** From now on no heartbeat is sent (methods are still answered): the heartbeat that never comes. */
  stopHeartbeats(): void {
    this.beating = false;
  }

  /** Resolves with the next method called `name` the client sends (or the first already received, if `past`). */
  waitFor(name: string, past = true): Promise<ClientMethod> {
    const seen = past ? this.received.find((m) => m.name === name) : undefined;
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ name, resolve }));
  }

  /** Writes raw bytes (ignored once the socket is gone). */
  write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Sends a method frame. */
  method(channel: number, classId: number, methodId: number, ...args: Buffer[]): void {
    this.write(methodFrame(channel, classId, methodId, ...args));
  }

  /** Sends basic.deliver with a content header (no properties) and one body frame. */
  deliver(channel: number, consumerTag: string, deliveryTag: number, routingKey: string, body: Buffer, exchange = 'xs_fake'): void {
    this.method(channel, 60, 60, enc.shortstr(consumerTag), enc.longlong(deliveryTag), enc.octet(0), enc.shortstr(exchange), enc.shortstr(routingKey));
    this.write(frame(FRAME.header, channel, Buffer.concat([enc.short(60), enc.short(0), enc.longlong(body.length), enc.short(0)])));
    if (body.length > 0) this.write(frame(FRAME.body, channel, body));
  }

  /** Half-closes (FIN) after what was written. */
  end(): void {
    this.socket.end();
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.socket.destroy();
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    if (!this.gotHeader) {
      if (this.buf.length < 8) return;
      const header = this.buf.subarray(0, 8);
      this.buf = this.buf.subarray(8);
      this.gotHeader = true;
      if (!header.equals(PROTOCOL_HEADER)) {
        // what a broker does with another protocol version: say which one it speaks, then close
        this.write(PROTOCOL_HEADER);
        this.end();
        return;
      }
      this.dispatch({ name: 'protocol-header', channel: 0, classId: 0, methodId: 0, args: header });
    }
    while (this.buf.length >= 8) {
      const size = this.buf.readUInt32BE(3);
      if (this.buf.length < size + 8) return;
      const type = this.buf.readUInt8(0);
      const channel = this.buf.readUInt16BE(1);
      const payload = this.buf.subarray(7, 7 + size);
      this.buf = this.buf.subarray(size + 8);
      if (type === FRAME.method) {
        const id = payload.readUInt32BE(0);
        const name = NAMES[id] ?? `method ${id >>> 16}.${id & 0xffff}`;
        this.dispatch({ name, channel, classId: id >>> 16, methodId: id & 0xffff, args: payload.subarray(4) });
      } else if (type === FRAME.header) {
        const left = Number(payload.readBigUInt64BE(4));
        this.content = { channel, left };
        if (left === 0) this.contentDone(channel);
      } else if (type === FRAME.body && this.content) {
        this.content.left -= payload.length;
        if (this.content.left <= 0) this.contentDone(channel);
      }
    }
  }

  /** A published message is complete: ack it on a confirm channel. */
  private contentDone(channel: number): void {
    this.content = undefined;
    const n = (this.published.get(channel) ?? 0) + 1;
    this.published.set(channel, n);
    const fn = this.intercepts.get('publish-complete');
    if (fn) fn(this, { name: 'publish-complete', channel, classId: 60, methodId: 40, args: enc.longlong(n) });
    else if (this.answering && this.confirming.has(channel)) this.method(channel, 60, 80, enc.longlong(n), enc.octet(0));
  }

  private dispatch(m: ClientMethod): void {
    if (m.name !== 'protocol-header') this.received.push(m);
    for (const w of this.waiters.filter((x) => x.name === m.name)) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve(m);
    }
    const fn = this.intercepts.get(m.name);
    if (fn) fn(this, m);
    else if (this.answering) this.answer(m);
  }

  /** The broker's answer to `m`, if any. */
  private answer(m: ClientMethod): void {
    const ch = m.channel;
    switch (m.name) {
      case 'protocol-header':
        return this.method(0, 10, 10, enc.octet(0), enc.octet(9), enc.emptyTable(), enc.longstr('PLAIN AMQPLAIN'), enc.longstr('en_US'));
      case 'connection.start-ok':
        return this.method(0, 10, 30, enc.short(this.tune.channelMax), enc.long(this.tune.frameMax), enc.short(this.tune.heartbeat));
      case 'connection.open':
        this.method(0, 10, 41, enc.shortstr(''));
        if (this.tune.heartbeat > 0) {
          // a broker beats at half the interval; the client gives up after two silent intervals
          this.beat = setInterval(() => {
            if (this.answering && this.beating) this.write(frame(FRAME.heartbeat, 0, Buffer.alloc(0)));
          }, this.tune.heartbeat * 500);
          this.beat.unref();
        }
        return;
      case 'connection.close':
        this.method(0, 10, 51);
        return this.end();
      case 'channel.open': return this.method(ch, 20, 11, enc.longstr(''));
      case 'channel.close': return this.method(ch, 20, 41);
      case 'exchange.declare': return this.method(ch, 40, 11);
      case 'queue.declare': {
        const queue = readShortstr(m.args, 2);
        return this.method(ch, 50, 11, enc.shortstr(queue), enc.long(0), enc.long(0));
      }
      case 'queue.bind': return this.method(ch, 50, 21);
      case 'basic.qos': return this.method(ch, 60, 11);
      case 'basic.consume': {
        const queue = readShortstr(m.args, 2);
        const tag = readShortstr(m.args, 3 + Buffer.byteLength(queue)) || `amq.ctag-fake-${++this.ctag}`;
        this.consumers.push({ channel: ch, tag });
        return this.method(ch, 60, 21, enc.shortstr(tag));
      }
      case 'basic.cancel': return this.method(ch, 60, 31, enc.shortstr(readShortstr(m.args, 0)));
      case 'confirm.select':
        this.confirming.add(ch);
        return this.method(ch, 85, 11);
      default:
        return; // tune-ok, publish, acks, rejects: nothing to answer
    }
  }
}

function readShortstr(b: Buffer, at: number): string {
  const n = b.readUInt8(at);
  return b.subarray(at + 1, at + 1 + n).toString();
}

/** A running fake server. */
export interface FakeAmqp {
  port: number;
  /** amqp://guest:guest@127.0.0.1:<port>/ */
  url: string;
  /** Every connection accepted so far, in order. */
  readonly connections: FakeConnection[];
  /** Resolves with connection number `n` (0-based) once it is accepted. */
  connection(n: number): Promise<FakeConnection>;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

/**
 * Starts a fake AMQP 0-9-1 server on 127.0.0.1 and an ephemeral port. `script` runs for each accepted
 * connection (its 0-based index tells which) before any byte is read, so it can intercept or silence
 * from the start; a throw drops that connection.
 */
export async function fakeAmqp(script: (c: FakeConnection) => void | Promise<void> = () => {}, tune: TuneOptions = {}): Promise<FakeAmqp> {
  const t = { heartbeat: tune.heartbeat ?? 0, frameMax: tune.frameMax ?? 131072, channelMax: tune.channelMax ?? 2047 };
  const connections: FakeConnection[] = [];
  const waiting: { n: number; resolve: (c: FakeConnection) => void }[] = [];
  const server: Server = createServer((socket) => {
    const c = new FakeConnection(socket, connections.length, t);
    connections.push(c);
    for (const w of waiting.filter((x) => x.n === c.index)) w.resolve(c);
    try {
      const r = script(c);
      if (r instanceof Promise) r.catch(() => c.destroy());
    } catch {
      c.destroy();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `amqp://guest:guest@127.0.0.1:${port}/`,
    connections,
    connection: (n) => connections[n] ? Promise.resolve(connections[n]) : new Promise((resolve) => waiting.push({ n, resolve })),
    close: async () => {
      for (const c of connections) c.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
