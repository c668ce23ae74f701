// A small STOMP 1.2 client over TCP or TLS: CONNECT with heart-beats and RabbitMQ's `host` (vhost),
// SEND with receipts, SUBSCRIBE with client-individual acks, transactions (SSM's ping). One connection;
// reconnection is the caller's loop (see session.ts).
import { EventEmitter } from 'node:events';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { ConnectionLostError, SarraError } from '@sarra/common';
import { encodeFrame, FrameDecoder, type Frame } from './frame.js';

/** Where and how to connect. */
export interface StompOptions {
  host: string;
  port: number;
  /** TLS with these PEM credentials (and `ca` as trust); absent: plain TCP. */
  tls?: { cert?: Buffer; key?: Buffer; ca?: Buffer[]; rejectUnauthorized?: boolean };
  login?: string;
  passcode?: string;
  /** STOMP `host` header: RabbitMQ's virtual host. @default '/' */
  vhost?: string;
  /** Heart-beats we send / want, in ms (0 = none). @default [10000, 10000] */
  heartBeat?: [number, number];
  /** Give up connecting after this many ms. @default 10000 (SSM's CONNECTION_TIMEOUT) */
  connectTimeout?: number;
}

/** The broker sent an ERROR frame (its message header and body say why). */
export class StompBrokerError extends SarraError {
  constructor(readonly frame: Frame) {
    super('ERR_STOMP_BROKER', `broker error: ${frame.headers.message ?? ''} ${frame.body.toString('utf8').trim()}`.trim());
  }
}

type Listener = (frame: Frame) => void;

/**
 * One STOMP connection. Emits 'close' (with the error that ended it, if any) exactly once; after that
 * every pending receipt is rejected with a ConnectionLostError.
 */
export class StompClient extends EventEmitter {
  private socket!: Socket;
  private readonly decoder = new FrameDecoder();
  private readonly receipts = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  private readonly subs = new Map<string, Listener>();
  private seq = 0;
  private closed = false;
  private lastIn = Date.now();
  private timers: NodeJS.Timeout[] = [];
  /** The CONNECTED frame's headers (server, version, heart-beat). */
  server: Record<string, string> = {};

  private constructor(private readonly opts: StompOptions) {
    super();
  }

  /** Connects and completes the STOMP handshake; rejects with ConnectionLostError or StompBrokerError. */
  static async connect(opts: StompOptions): Promise<StompClient> {
    const c = new StompClient(opts);
    await c.open();
    return c;
  }

  private open(): Promise<void> {
    const o = this.opts;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (e: Error) => { if (!settled) { settled = true; reject(e); } this.shut(e); };
      const timer = setTimeout(() => fail(new ConnectionLostError(`STOMP connect to ${o.host}:${o.port} timed out`)), o.connectTimeout ?? 10_000);
      const onConnect = () => {
        const [cx, cy] = o.heartBeat ?? [10_000, 10_000];
        const headers: Record<string, string> = { 'accept-version': '1.2', host: o.vhost ?? '/', 'heart-beat': `${cx},${cy}` };
        if (o.login !== undefined) headers.login = o.login;
        if (o.passcode !== undefined) headers.passcode = o.passcode;
        this.socket.write(encodeFrame({ command: 'CONNECT', headers, body: Buffer.alloc(0) }));
      };
      this.socket = o.tls
        ? tlsConnect({ host: o.host, port: o.port, servername: o.host, ...o.tls }, onConnect)
        : tcpConnect({ host: o.host, port: o.port }, onConnect);
      this.socket.setNoDelay(true);
      this.socket.on('error', (err) => fail(new ConnectionLostError(`STOMP ${o.host}:${o.port}: ${err.message}`, { cause: err })));
      this.socket.on('close', () => fail(new ConnectionLostError(`STOMP connection to ${o.host}:${o.port} closed`)));
      this.socket.on('data', (chunk: Buffer) => {
        this.lastIn = Date.now();
        let frames: Frame[];
        try { frames = this.decoder.push(chunk); } catch (err: unknown) { fail(err as Error); return; }
        for (const f of frames) {
          if (!settled && f.command === 'CONNECTED') {
            settled = true;
            clearTimeout(timer);
            this.server = f.headers;
            this.startHeartBeats(f.headers['heart-beat']);
            resolve();
          } else if (f.command === 'ERROR') {
            const e = new StompBrokerError(f);
            const r = f.headers['receipt-id'] && this.receipts.get(f.headers['receipt-id']);
            if (r) { this.receipts.delete(f.headers['receipt-id']!); r.reject(e); }
            fail(e); // STOMP: the server closes after ERROR
          } else this.dispatch(f);
        }
      });
    });
  }

  private startHeartBeats(server: string | undefined): void {
    const [sx, sy] = (server ?? '0,0').split(',').map(Number) as [number, number];
    const [cx, cy] = this.opts.heartBeat ?? [10_000, 10_000];
    const out = cx && sy ? Math.max(cx, sy) : 0;
    const inn = cy && sx ? Math.max(cy, sx) : 0;
    if (out) this.timers.push(setInterval(() => { if (!this.closed) this.socket.write('\n'); }, out).unref());
    if (inn) this.timers.push(setInterval(() => {
      if (Date.now() - this.lastIn > 2 * inn) this.shut(new ConnectionLostError(`no STOMP heart-beat from the broker for ${2 * inn} ms`));
    }, inn).unref());
  }

  private dispatch(f: Frame): void {
    if (f.command === 'RECEIPT') {
      const id = f.headers['receipt-id'] ?? '';
      const r = this.receipts.get(id);
      if (r) { this.receipts.delete(id); r.resolve(); }
    } else if (f.command === 'MESSAGE') {
      this.subs.get(f.headers.subscription ?? '')?.(f);
    }
  }

  private shut(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.socket?.destroy();
    const lost = err ?? new ConnectionLostError('STOMP connection closed');
    for (const r of this.receipts.values()) r.reject(lost);
    this.receipts.clear();
    this.emit('close', err);
  }

  /** True until the connection ends. */
  get isOpen(): boolean {
    return !this.closed;
  }

  private write(command: string, headers: Record<string, string>, body: Buffer = Buffer.alloc(0)): void {
    if (this.closed) throw new ConnectionLostError('STOMP connection is closed');
    this.socket.write(encodeFrame({ command, headers, body }));
  }

  /** Writes a frame asking for a receipt `id`; resolves when the broker's RECEIPT for it arrives. */
  private withReceipt(command: string, headers: Record<string, string>, body?: Buffer, id = `r-${++this.seq}`): Promise<void> {
    return new Promise((resolve, reject) => {
      this.receipts.set(id, { resolve, reject });
      try { this.write(command, { ...headers, receipt: id }, body); } catch (err: unknown) { this.receipts.delete(id); reject(err as Error); }
    });
  }

  /** SEND `body` to `destination`; resolves on the broker's receipt `receipt` (SSM uses the element name). */
  send(destination: string, body: Buffer, headers: Record<string, string> = {}, receipt?: string): Promise<void> {
    return this.withReceipt('SEND', { destination, ...headers }, body, receipt);
  }

  /** SEND without a receipt (fire and forget). */
  sendNoReceipt(destination: string, body: Buffer, headers: Record<string, string> = {}): void {
    this.write('SEND', { destination, ...headers }, body);
  }

  /**
   * SUBSCRIBE to `destination` with `ack` mode; `onMessage` gets every MESSAGE. Resolves once the broker
   * confirmed the subscription (receipt). `prefetch` is RabbitMQ's prefetch-count.
   */
  subscribe(destination: string, onMessage: Listener, ack: 'auto' | 'client-individual' = 'client-individual', prefetch = 0): Promise<void> {
    const id = `s-${++this.seq}`;
    this.subs.set(id, onMessage);
    const headers: Record<string, string> = { id, destination, ack };
    if (prefetch) headers['prefetch-count'] = String(prefetch);
    return this.withReceipt('SUBSCRIBE', headers);
  }

  /** ACK one message (client-individual mode), by its `ack` header. */
  ack(message: Frame): void {
    const id = message.headers.ack;
    if (id) this.write('ACK', { id });
  }

  /** SSM's keep-alive ping: BEGIN then ABORT a transaction; resolves on the ABORT's receipt. */
  async ping(): Promise<void> {
    const tx = `ping-${Date.now()}-${++this.seq}`;
    this.write('BEGIN', { transaction: tx });
    await this.withReceipt('ABORT', { transaction: tx });
  }

  /** DISCONNECT with a receipt (waits up to `timeoutMs`), then closes the socket. */
  async disconnect(timeoutMs = 5000): Promise<void> {
    if (this.closed) return;
    try {
      await Promise.race([this.withReceipt('DISCONNECT', {}), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    } catch {}
    this.shut();
  }
}
