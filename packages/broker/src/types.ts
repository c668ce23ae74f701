// Public shapes of the broker library: what a Consumer and a Publisher of either protocol (AMQP, MQTT) offer the flow.
import type { SessionStats } from './session.js';

/** A message taken from a queue. Ack it exactly once with Consumer.ack(). */
export interface Delivery {
  /** AMQP: the exchange; MQTT: the topic's first level (sr3's mapping). */
  exchange: string;
  /** AMQP: the routing key; MQTT: the topic's other levels joined by `.`. */
  routingKey: string;
  /** MQTT: the topic as received (WIS2 rebuilds relPath from it). */
  topic?: string;
  body: Buffer;
  contentType?: string;
  contentEncoding?: string;
  headers: Record<string, unknown>;
  redelivered: boolean;
  /** amqplib delivery tag (MQTT: the packet id, 0 for QoS 0), valid only on the connection `generation` it arrived on. */
  deliveryTag: number;
  /** Connection generation; acks of an older generation are dropped (the broker redelivers). */
  generation: number;
  /** Stream queues: the message's offset in the stream (header x-stream-offset). */
  streamOffset?: number;
}

/** RabbitMQ queue types (x-queue-type; sr3 `queueType`). */
export type QueueType = 'classic' | 'quorum' | 'stream';

export interface QueueSpec {
  name: string;
  durable?: boolean;
  autoDelete?: boolean;
  /** x-expires in ms (sr3 `expire`); 0 = none */
  expires?: number;
  /** x-message-ttl in ms (sr3 `messageAgeMax`); 0 = none. A stream keeps messages this long instead (x-max-age). */
  messageTtl?: number;
  /**
   * classic (no x-queue-type argument, as every queue declared before), quorum or stream. Quorum and stream
   * queues are always durable and never auto-delete; a stream takes no x-expires (it never expires). @default 'classic'
   */
  type?: QueueType;
}

export interface Binding {
  exchange: string;
  /** binding key: topicPrefix + '.' + subtopic */
  key: string;
}

export interface PublishOptions {
  headers?: Record<string, unknown>;
  contentType?: string;
  contentEncoding?: string;
  /** delivery_mode 2. @default true */
  persistent?: boolean;
  /** per-message TTL in ms (post_messageAgeMax) */
  expiration?: number;
}

/** What the flow consumes through: Consumer (AMQP) and MqttConsumer implement it; openConsumer() picks one by URL scheme. */
export interface BrokerConsumer {
  /** Resolves once connected and consuming the first time; rejects with AbortedError if aborted or closed first. */
  start(): Promise<void>;
  readonly connected: boolean;
  readonly stats: SessionStats;
  /** Up to `max` deliveries, waiting up to `waitMs` for the first; never throws on connection loss. */
  next(max: number, waitMs: number, signal?: AbortSignal): Promise<Delivery[]>;
  /** Settles `d` with the broker once its work is done (or safely in the retry queue); stale acks are dropped. */
  ack(d: Delivery): void;
  /** Messages waiting for this consumer, when the broker tells. */
  queueDepth(): Promise<number | undefined>;
  /** Unacked deliveries go back to (stay with) the broker. */
  close(): Promise<void>;
}

/** What the flow publishes through: Publisher (AMQP) and MqttPublisher implement it; openPublisher() picks one by URL scheme. */
export interface BrokerPublisher {
  start(): Promise<void>;
  readonly connected: boolean;
  readonly stats: SessionStats;
  /** Queues one message for the current batch; never throws for a connection problem. */
  publish(exchange: string, routingKey: string, body: Buffer, opts?: PublishOptions): void;
  /** Resolves when the whole batch is confirmed; else rejects with PublishError naming what was not. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
