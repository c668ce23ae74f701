// Consumes an MQTT subscription with PUBACKs sent only when the caller acks; persistent session, shared by instances.
import type { IPublishPacket } from 'mqtt';
import { ConfigError, describeError, Logger } from '@sarra/common';
import type { ConsumerOptions } from './consumer.js';
import { DeliveryBuffer } from './delivery-buffer.js';
import { MqttSession } from './mqtt-session.js';
import { fromTopic, subscriptionFilter } from './mqtt-topic.js';
import type { BrokerConsumer, Delivery } from './types.js';
import { OnSession } from './on-session.js';

/** MQTT.js sends a PUBACK through this internal method; it has no public one for a deferred ack. */
interface PacketSender {
  _sendPacket(packet: { cmd: 'puback'; messageId: number; reasonCode?: number }, cb?: () => void): void;
}

/** MQTT.js skips the PUBACK of a message whose handleMessage callback gets an error: ours is sent by ack(). */
const DEFERRED = new Error('PUBACK deferred until the notice is done');

/**
 * The MQTT side of Consumer: subscribes `<exchange>/<binding key as levels>` for each binding; with `shared` (several
 * instances) as the MQTT 5 shared subscription `$share/<queue name>/...`, so that the instances divide the notices.
 * One instance takes a plain subscription: Mosquitto 2.0 loses a persisted session's shared subscriptions when it
 * restarts (what is published before the subscriber is back is dropped), not its plain ones. The session is persistent (clean start off, session expiry = queue.expires,
 * never when 0) under `clientId`, so what is published while the consumer is stopped waits for it.
 *
 * QoS 1 (`qos`): the PUBACK of a message is sent when the caller acks it, never before; the receive maximum is the
 * prefetch. After a connection loss, deliveries of the dead generation are dropped and their acks ignored: the
 * broker redelivers them on the resumed session (at-least-once). MQTT has no reject: close() leaves unacked messages
 * with the broker.
 */
export class MqttConsumer extends OnSession implements BrokerConsumer {
  protected readonly session: MqttSession;
  private readonly log: Logger;
  private readonly buffer = new DeliveryBuffer();
  private outstanding = new Set<number>();
  private closed = false;

  constructor(private readonly opts: ConsumerOptions) {
    super();
    this.log = opts.logger ?? Logger.silent();
    const expires = opts.queue.expires ?? 0;
    this.session = new MqttSession(
      {
        ...opts,
        clientId: opts.clientId ?? opts.queue.name,
        clean: false,
        sessionExpirySec: expires > 0 ? Math.ceil(expires / 1000) : 0xffffffff,
        receiveMaximum: opts.prefetch,
      },
      { connected: (g) => this.onConnected(g), lost: () => this.onLost() },
    );
    opts.signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  /** Resolves once connected and subscribed the first time; rejects with AbortedError if closed first. */
  override async start(): Promise<void> {
    await this.session.start();
    await this.subscribe();
  }

  private get qos(): 0 | 1 {
    return this.opts.qos === 0 ? 0 : 1;
  }

  /** Subscribes every filter, at start and after each reconnect. */
  private async subscribe(): Promise<void> {
    const c = this.session.client!;
    // several instances without a shared subscription would each take every notice: refused, never quietly
    if (this.opts.shared && this.session.protocolVersion !== 5) {
      throw new ConfigError(`${this.session.label}: instances > 1 need MQTT 5 shared subscriptions; this broker speaks MQTT 3.1.1 only`);
    }
    const share = this.opts.shared ? this.opts.queue.name : undefined;
    const topics = this.opts.bindings.map((b) => subscriptionFilter(b.exchange, b.key, share));
    if (topics.length === 0) return;
    const granted = await c.subscribeAsync(topics, { qos: this.qos });
    for (const g of granted) {
      if (g.qos > 2) throw new Error(`subscription to ${g.topic} refused by the broker (code ${g.qos})`);
    }
    this.log.info(`subscribed ${topics.join(', ')} (QoS ${this.qos})`);
  }

  private onConnected(generation: number): void {
    this.outstanding = new Set();
    const c = this.session.client!;
    c.handleMessage = (packet: IPublishPacket, callback: (err?: Error) => void): void => {
      this.onMessage(packet, generation);
      callback(packet.qos === 0 ? undefined : DEFERRED);
    };
    // subscribing again is harmless (same filter, same subscription) and needed: Mosquitto 2.0 resumes a persisted
    // session after its restart without its shared subscriptions
    if (generation > 1) this.subscribe().catch((err: unknown) => this.log.error(`resubscribe failed: ${describeError(err)}`));
  }

  private onMessage(p: IPublishPacket, generation: number): void {
    if (this.closed || generation !== this.session.generation) return;
    const { exchange, routingKey } = fromTopic(p.topic);
    const props = p.properties;
    const user = props?.userProperties ?? {};
    const headers: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(user)) headers[k] = Array.isArray(v) ? v.join(',') : v;
    const tag = p.qos === 0 ? 0 : (p.messageId ?? 0);
    if (tag) this.outstanding.add(tag);
    this.buffer.push({
      exchange,
      routingKey,
      topic: p.topic,
      body: Buffer.isBuffer(p.payload) ? p.payload : Buffer.from(p.payload),
      ...(props?.contentType ? { contentType: props.contentType } : {}),
      headers,
      redelivered: p.dup,
      deliveryTag: tag,
      generation,
    });
  }

  private onLost(): void {
    // unacked messages of the dead connection are redelivered on the resumed session
    this.buffer.clear();
    this.outstanding = new Set();
  }

  /** Up to `max` deliveries, waiting up to `waitMs` for the first; [] at once after close(). Never throws. */
  async next(max: number, waitMs: number, signal?: AbortSignal): Promise<Delivery[]> {
    return this.buffer.take(max, waitMs, !this.closed, signal);
  }

  /** Sends the PUBACK of `d`. Stale-generation or repeated acks are dropped (the broker redelivers). Never throws. */
  ack(d: Delivery): void {
    if (d.deliveryTag === 0) return;
    const c = this.session.client;
    if (!c || !this.session.connected || d.generation !== this.session.generation || !this.outstanding.delete(d.deliveryTag)) {
      this.log.debug(`ack of message ${d.deliveryTag} (generation ${d.generation}) dropped: stale or already settled`);
      return;
    }
    try {
      (c as unknown as PacketSender)._sendPacket({ cmd: 'puback', messageId: d.deliveryTag, reasonCode: 0 });
    } catch (err) {
      this.log.debug(`ack dropped: ${describeError(err)}`);
    }
  }

  /** MQTT brokers do not tell a subscription's backlog. */
  queueDepth(): Promise<number | undefined> {
    return Promise.resolve(undefined);
  }

  /** Disconnects; messages not acked by now stay in the broker's session for the next start. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.buffer.wakeAll();
    await this.session.close();
    this.buffer.clear();
  }
}
