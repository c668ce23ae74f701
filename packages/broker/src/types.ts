// Public shapes of the AMQP topic-exchange library.

/** A message taken from a queue. Ack it exactly once with Consumer.ack(). */
export interface Delivery {
  exchange: string;
  routingKey: string;
  body: Buffer;
  contentType?: string;
  contentEncoding?: string;
  headers: Record<string, unknown>;
  redelivered: boolean;
  /** amqplib delivery tag, valid only on the channel `generation` it arrived on. */
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
