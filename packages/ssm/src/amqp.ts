// SSM messages over AMQP 0-9-1 (amqplib) for sites already running a Sarracenia pump: SEND = publish with a
// publisher confirm, the SSM headers as AMQP headers. On RabbitMQ it meets STOMP peers: `/queue/x` is queue x
// on the default exchange, `/exchange/e/k` is exchange e with routing key k, as the STOMP plugin maps them.
import { EventEmitter } from 'node:events';
import { connect, type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { ConnectionLostError, describeError } from '@sarra/common';
import type { Frame } from './stomp/frame.js';
import type { Transport } from './transport.js';

/** Where and how to connect. */
export interface AmqpOptions {
  host: string;
  port: number;
  vhost?: string;
  login?: string;
  passcode?: string;
  tls?: { cert?: Buffer; key?: Buffer; ca?: Buffer[] };
  /** AMQP heart-beat, seconds. @default 30 */
  heartbeat?: number;
}

/** `/queue/x`, `/exchange/e/k`, `/topic/k` (amq.topic) or a bare queue name -> exchange and routing key. */
export function amqpDestination(d: string): { exchange: string; key: string; queue?: string } {
  let m = /^\/queue\/(.+)$/.exec(d);
  if (m) return { exchange: '', key: m[1]!, queue: m[1]! };
  m = /^\/exchange\/([^/]+)(?:\/(.*))?$/.exec(d);
  if (m) return { exchange: m[1]!, key: m[2] ?? '' };
  m = /^\/topic\/(.+)$/.exec(d);
  if (m) return { exchange: 'amq.topic', key: m[1]! };
  return { exchange: '', key: d, queue: d };
}

/** One AMQP connection shaped as a Transport. */
export class AmqpClient extends EventEmitter implements Transport {
  private closed = false;
  private tags = new WeakMap<Frame, number>();
  private declared = new Set<string>();
  server: Record<string, string> = {};
  private constructor(private readonly model: ChannelModel, private readonly pub: ConfirmChannel, private sub?: Channel) {
    super();
  }

  /** Connects (plain or TLS) and opens a confirm channel. */
  static async connect(o: AmqpOptions): Promise<AmqpClient> {
    const url = `${o.tls ? 'amqps' : 'amqp'}://${encodeURIComponent(o.login ?? 'guest')}:${encodeURIComponent(o.passcode ?? 'guest')}@${o.host}:${o.port}/` +
      `${encodeURIComponent(o.vhost ?? '/')}?heartbeat=${o.heartbeat ?? 30}`;
    let model: ChannelModel;
    try {
      model = await connect(url, o.tls ? { cert: o.tls.cert, key: o.tls.key, ca: o.tls.ca, servername: o.host } : {});
    } catch (err: unknown) {
      throw new ConnectionLostError(`AMQP ${o.host}:${o.port}: ${describeError(err)}`, { cause: err });
    }
    const pub = await model.createConfirmChannel();
    const c = new AmqpClient(model, pub);
    const props = (model.connection as unknown as { serverProperties?: Record<string, unknown> }).serverProperties ?? {};
    c.server = { server: `${String(props.product ?? 'AMQP')}/${String(props.version ?? '')}` };
    const lost = (err?: unknown) => c.shut(new ConnectionLostError(`AMQP connection lost${err ? `: ${describeError(err)}` : ''}`, { cause: err }));
    model.on('error', lost);
    model.on('close', lost);
    pub.on('error', lost);
    pub.on('close', () => { if (!c.closed) lost(new Error('channel closed')); });
    return c;
  }

  get isOpen(): boolean { return !this.closed; }

  private shut(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.model.close().catch(() => {});
    this.emit('close', err);
  }

  async send(destination: string, body: Buffer, headers: Record<string, string>): Promise<void> {
    if (this.closed) throw new ConnectionLostError('AMQP connection is closed');
    const d = amqpDestination(destination);
    if (d.queue && !this.declared.has(d.queue)) { // as the STOMP plugin declares /queue/x on SEND: never publish into the void
      await this.pub.assertQueue(d.queue, { durable: true });
      this.declared.add(d.queue);
    }
    const { persistent: _p, ...rest } = headers;
    await new Promise<void>((resolve, reject) => {
      this.pub.publish(d.exchange, d.key, body, { persistent: true, headers: rest }, (err: unknown) => {
        if (err) reject(new ConnectionLostError(`AMQP publish not confirmed: ${describeError(err)}`, { cause: err }));
        else resolve();
      });
    });
  }

  async subscribe(destination: string, onMessage: (f: Frame) => void, ack: 'auto' | 'client-individual', prefetch: number): Promise<void> {
    const d = amqpDestination(destination);
    if (!d.queue) throw new ConnectionLostError(`AMQP receiver: subscribe to a queue (/queue/name), not ${destination}`);
    const ch = await this.model.createChannel();
    ch.on('error', () => {});
    ch.on('close', () => { if (!this.closed) this.shut(new ConnectionLostError('AMQP consumer channel closed')); });
    await ch.assertQueue(d.queue, { durable: true });
    if (prefetch) await ch.prefetch(prefetch);
    this.sub = ch;
    await ch.consume(d.queue, (m) => {
      if (!m) { this.shut(new ConnectionLostError('AMQP consumer cancelled by the broker')); return; }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(m.properties.headers ?? {})) headers[k] = Buffer.isBuffer(v) ? v.toString() : String(v);
      const f: Frame = { command: 'MESSAGE', headers, body: m.content };
      this.tags.set(f, m.fields.deliveryTag);
      onMessage(f);
    }, { noAck: ack === 'auto' });
  }

  ack(message: Frame): void {
    const tag = this.tags.get(message);
    if (tag !== undefined && this.sub && !this.closed) this.sub.ack({ fields: { deliveryTag: tag } } as never);
  }

  async ping(): Promise<void> {}

  async disconnect(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.model.close().catch(() => {});
    this.emit('close');
  }
}
