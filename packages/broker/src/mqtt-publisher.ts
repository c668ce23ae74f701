// Publishes to an MQTT broker with QoS 1: the PUBACK is the confirm; flush() reports exactly what was not acked.
import { randomBytes } from 'node:crypto';
import type { IClientPublishOptions } from 'mqtt';
import { describeError, Logger } from '@sarra/common';
import { MqttSession } from './mqtt-session.js';
import { publishTopic } from './mqtt-topic.js';
import { PublishError, type OutgoingMessage, type PublisherOptions } from './publisher.js';
import type { BrokerPublisher, PublishOptions } from './types.js';
import { OnSession } from './on-session.js';

type Outcome = { msg: OutgoingMessage; error?: string; refused?: boolean };

/**
 * The MQTT side of Publisher: each message goes to `<exchange>/<routing key words as levels>` with QoS 1, the MQTT 5
 * content type, message expiry (options.expiration) and the headers as user properties (MQTT 3.1.1 carries neither
 * content type nor headers: a message with headers is refused there, unpublishable). flush() resolves when every
 * message published since the previous flush() has its PUBACK, else rejects with PublishError naming the others
 * (refused by the broker, or not acked within `flushTimeoutMs`). While disconnected MQTT.js keeps the messages and
 * sends them on reconnect; one reported failed may still arrive: downstream sees a duplicate at worst.
 */
export class MqttPublisher extends OnSession implements BrokerPublisher {
  protected readonly session: MqttSession;
  private readonly log: Logger;
  private batch: { msg: OutgoingMessage; done: Promise<Outcome> }[] = [];
  private closed = false;

  constructor(private readonly opts: PublisherOptions) {
    super();
    this.log = opts.logger ?? Logger.silent();
    const clientId = `sarra-ts-pub-${randomBytes(6).toString('hex')}`;
    this.session = new MqttSession({ ...opts, clientId, clean: true }, { connected: () => {}, lost: () => {} });
    opts.signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  /** Queues one message for the current batch. Never throws; flush() reports. */
  publish(exchange: string, routingKey: string, body: Buffer, options: PublishOptions = {}): void {
    const msg: OutgoingMessage = { exchange, routingKey, body, options };
    this.batch.push({ msg, done: this.send(msg) });
  }

  private send(msg: OutgoingMessage): Promise<Outcome> {
    const c = this.session.client;
    if (this.closed || !c) return Promise.resolve({ msg, error: 'publisher closed' });
    const o = msg.options;
    const v5 = this.session.protocolVersion === 5;
    const headers = Object.entries(o.headers ?? {});
    if (!v5 && headers.length > 0) return Promise.resolve({ msg, error: 'MQTT 3.1.1 carries no headers (post v03)', refused: true });
    const props: NonNullable<IClientPublishOptions['properties']> = {};
    if (o.contentType) props.contentType = o.contentType;
    if (headers.length > 0) props.userProperties = Object.fromEntries(headers.map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    if (o.expiration !== undefined && o.expiration > 0) props.messageExpiryInterval = Math.ceil(o.expiration / 1000);
    const po: IClientPublishOptions = { qos: 1, ...(v5 && Object.keys(props).length ? { properties: props } : {}) };
    return new Promise((resolve) => {
      try {
        c.publish(publishTopic(msg.exchange, msg.routingKey, o.contentType), msg.body, po, (err?: Error) => resolve(err ? { msg, error: describeError(err) } : { msg }));
      } catch (err) {
        // MQTT.js throws for what it cannot encode (an invalid topic)
        resolve({ msg, error: describeError(err), refused: true });
      }
    });
  }

  /**
   * Resolves when every message published since the last flush() has its PUBACK (at once if none). Rejects with
   * PublishError (a TransientError) naming the others; `unpublishable` are those no retry can send.
   */
  async flush(): Promise<void> {
    const batch = this.batch;
    this.batch = [];
    if (batch.length === 0) return;
    const timeoutMs = this.opts.flushTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), timeoutMs)));
    const outcomes = await Promise.all(batch.map(async (b) => {
      const r = await Promise.race([b.done, late]);
      return r === 'late' ? { msg: b.msg, error: `not acked within ${timeoutMs} ms` } : r;
    }));
    clearTimeout(timer);
    const failed = outcomes.filter((r) => r.error !== undefined);
    if (failed.length === 0) return;
    const reasons = [...new Set(failed.map((f) => f.error ?? 'unknown'))].join('; ');
    this.log.warning(`publish: ${failed.length} of ${batch.length} not acked (${reasons})`);
    throw new PublishError(
      failed.map((f) => f.msg),
      batch.length - failed.length,
      reasons,
      failed.filter((f) => f.refused).map((f) => ({ ...f.msg, error: f.error ?? 'refused' })),
    );
  }

  /** Disconnects. Messages not yet flushed are reported failed by a later flush(). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.close();
  }
}
