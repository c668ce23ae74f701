// Consumes one queue with manual ack and prefetch; survives connection loss without losing or double-acking.
import type { Channel, ChannelModel, ConsumeMessage, Message } from 'amqplib';
import { describeError, Logger } from '@sarra/common';
import { CLOSE_WAIT_MS, settlesWithin, type ConnectOptions } from './connection.js';
import { DeliveryBuffer } from './delivery-buffer.js';
import { Session } from './session.js';
import { bindQueue, declareExchanges, declareQueue, onScratchChannel } from './topology.js';
import type { Binding, BrokerConsumer, Delivery, QueueSpec } from './types.js';
import { OnSession } from './on-session.js';

/** Consumer options on top of ConnectOptions. */
export interface ConsumerOptions extends ConnectOptions {
  queue: QueueSpec;
  /** Bound on every (re)connect when `bind` is true. */
  bindings: Binding[];
  /** Unacked deliveries the broker may send ahead (basic.qos). Use about the batch size. */
  prefetch: number;
  /** Declare the queue on every (re)connect. @default true */
  declareQueue?: boolean;
  /** Bind the queue on every (re)connect. @default true */
  bind?: boolean;
  /** Topic exchanges declared (durable) on every (re)connect before binding. @default [] */
  declareExchanges?: string[];
  /**
   * A stream queue (queue.type 'stream'): where to start reading at each (re)connect (x-stream-offset): an offset,
   * 'first' or 'next'. A stream keeps its messages and tracks no consumer position over AMQP 0-9-1: the caller
   * remembers how far it has acked and resumes there. @default () => 'next'
   */
  streamOffset?: () => number | 'first' | 'next';
  /** MQTT: the client id of the persistent session, stable per configuration and instance. @default queue.name */
  clientId?: string;
  /** MQTT: subscription QoS, 0 or 1 (sr3 `qos`). @default 1 */
  qos?: number;
  /** MQTT 5: subscribe as `$share/<queue.name>/<filter>`, for the instances of one configuration. @default false */
  shared?: boolean;
}

/**
 * Consumes one queue with manual ack (basic.consume, not basic.get polling). Declares the queue and
 * bindings on every (re)connect when asked; reconnects forever with exponential back-off and jitter.
 *
 * Each delivery carries the connection `generation` it arrived on. After a loss, buffered deliveries of
 * the dead generation are dropped and acks for them are ignored: the broker redelivers those messages
 * (at-least-once), and a stale or repeated delivery tag never reaches the new channel, where it would
 * be a PRECONDITION_FAILED that closes it (sr3 #953/#1155).
 */
export class Consumer extends OnSession implements BrokerConsumer {
  protected readonly session: Session<Channel>;
  private readonly log: Logger;
  private readonly buffer = new DeliveryBuffer();
  /** Delivery tags of the current generation not yet acked or rejected. */
  private outstanding = new Set<number>();
  /** Tags acked by the caller, not yet sent: sent together on the next turn of the event loop. */
  private pendingAcks: number[] = [];
  private ackFlushScheduled = false;
  private closed = false;
  private consumerTag: string | undefined;
  /** The channel of the newest generation, from its setup until its loss. */
  private channel: Channel | undefined;
  private channelGeneration = 0;

  constructor(private readonly opts: ConsumerOptions) {
    super();
    this.log = opts.logger ?? Logger.silent();
    this.session = new Session<Channel>(
      { ...opts, connectionName: opts.connectionName ?? `sarra-ts consumer ${opts.queue.name}` },
      false,
      { setup: (m, ch, g, step) => this.setup(m, ch, g, step), lost: (g) => this.onLost(g) },
    );
    // aborting is closing: pending next() calls return [], unacked deliveries go back to the queue
    opts.signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  /** Deliveries received but not yet taken by next(). */
  get buffered(): number {
    return this.buffer.size;
  }

  private async setup(model: ChannelModel, ch: Channel, generation: number, step: (what: string) => void): Promise<void> {
    const o = this.opts;
    const q = o.queue.name;
    if (o.declareExchanges?.length) {
      step(`declare exchanges ${o.declareExchanges.join(', ')}`);
      await declareExchanges(model, o.declareExchanges, this.log);
    }
    if (o.declareQueue ?? true) {
      step(`declare queue ${q}`);
      await declareQueue(model, o.queue, this.log);
    }
    if ((o.bind ?? true) && o.bindings.length) {
      step(`bind queue ${q} (${o.bindings.length} bindings)`);
      await bindQueue(model, q, o.bindings, this.log);
    }
    this.outstanding = new Set();
    this.pendingAcks = [];
    // acks may start before the session marks itself connected (deliveries can beat setup's return)
    this.channel = ch;
    this.channelGeneration = generation;
    // a stream refuses a consumer without prefetch or with automatic acks: both are always set here
    step('basic.qos');
    await ch.prefetch(Math.max(1, o.prefetch));
    const stream = o.queue.type === 'stream' ? { arguments: { 'x-stream-offset': o.streamOffset?.() ?? 'next' } } : {};
    step(`basic.consume ${q}`);
    const reply = await ch.consume(q, (msg) => this.onMessage(msg, ch, generation), { noAck: false, ...stream });
    this.consumerTag = reply.consumerTag;
  }

  private onMessage(msg: ConsumeMessage | null, ch: Channel, generation: number): void {
    if (msg === null) {
      // the broker cancelled us (queue deleted): reconnect, which re-declares the queue if asked
      this.log.warning(`consumer of ${this.opts.queue.name} cancelled by the broker; reconnecting`);
      ch.close().catch(() => {});
      return;
    }
    if (generation !== this.session.generation) return;
    const p = msg.properties;
    this.outstanding.add(msg.fields.deliveryTag);
    let headers = (p.headers as Record<string, unknown> | undefined) ?? {};
    const offset = headers['x-stream-offset'];
    if (offset !== undefined) {
      // the broker's header, not the publisher's: it must not travel on with a v02 notice
      headers = { ...headers };
      delete headers['x-stream-offset'];
    }
    this.buffer.push({
      exchange: msg.fields.exchange,
      routingKey: msg.fields.routingKey,
      body: msg.content,
      contentType: p.contentType as string | undefined,
      contentEncoding: p.contentEncoding as string | undefined,
      headers,
      redelivered: msg.fields.redelivered,
      deliveryTag: msg.fields.deliveryTag,
      generation,
      ...(typeof offset === 'number' ? { streamOffset: offset } : {}),
    });
  }

  private onLost(generation: number): void {
    // unacked deliveries of the dead channel return to the queue on the broker side: forget them here
    this.buffer.clear((d) => d.generation !== generation);
    this.outstanding = new Set();
    this.pendingAcks = [];
    this.consumerTag = undefined;
    if (this.channelGeneration === generation) this.channel = undefined;
  }

  /**
   * Waits up to `waitMs` for at least one delivery, then returns up to `max` of them (possibly none).
   * Never throws on connection loss: reconnection happens in the background. Returns [] at once after
   * close() or abort; `signal` (the caller's) ends the wait early too.
   */
  async next(max: number, waitMs: number, signal?: AbortSignal): Promise<Delivery[]> {
    return this.buffer.take(max, waitMs, !this.closed && !this.opts.signal?.aborted, signal);
  }

  /** The channel to ack `d` on, or undefined if `d` is stale or already settled (then nothing is sent). */
  private settle(d: Delivery, verb: string): Channel | undefined {
    const ch = this.channel;
    if (!ch || d.generation !== this.channelGeneration || !this.outstanding.delete(d.deliveryTag)) {
      this.log.debug(`${verb} of delivery ${d.deliveryTag} (generation ${d.generation}) dropped: stale or already settled`);
      return undefined;
    }
    return ch;
  }

  /**
   * Acks `d`. Stale-generation or repeated acks are dropped silently (the broker redelivers). Never throws.
   * Acks are sent on the next turn of the event loop, coalesced into one `multiple` ack where the tags
   * are contiguous, so a batch of 500 costs the broker one frame instead of 500.
   */
  ack(d: Delivery): void {
    if (!this.settle(d, 'ack')) return;
    this.pendingAcks.push(d.deliveryTag);
    if (this.ackFlushScheduled) return;
    this.ackFlushScheduled = true;
    setImmediate(() => {
      this.ackFlushScheduled = false;
      this.flushAcks();
    });
  }

  /** Sends pending acks: one multiple-ack for all tags below the oldest still unsettled one, single acks above it. */
  private flushAcks(): void {
    const tags = this.pendingAcks;
    this.pendingAcks = [];
    const ch = this.channel;
    if (tags.length === 0 || !ch) return;
    let lowestOpen = Infinity;
    for (const t of this.outstanding) if (t < lowestOpen) lowestOpen = t;
    let upTo = 0;
    const singles: number[] = [];
    for (const t of tags) {
      if (t < lowestOpen) upTo = Math.max(upTo, t);
      else singles.push(t);
    }
    try {
      // every tag below lowestOpen is settled here: acked now, or rejected/acked earlier (the broker skips those)
      if (upTo > 0) ch.ack(asMessage(upTo), true);
      for (const t of singles) ch.ack(asMessage(t));
    } catch (err) {
      this.log.debug(`ack dropped: ${describeError(err)}`);
    }
  }

  /** Rejects `d`: requeue=true puts it back in the queue, false discards it. Same staleness rules as ack(). */
  reject(d: Delivery, requeue: boolean): void {
    const ch = this.settle(d, 'reject');
    if (!ch) return;
    try {
      ch.reject(asMessage(d.deliveryTag), requeue);
    } catch (err) {
      this.log.debug(`reject dropped: ${describeError(err)}`);
    }
  }

  /** Messages ready in the queue (passive declare on a scratch channel), or undefined when not connected or missing. */
  async queueDepth(): Promise<number | undefined> {
    const model = this.session.currentModel;
    if (!model) return undefined;
    try {
      const r = await onScratchChannel(model, `check queue ${this.opts.queue.name}`, (ch) => ch.checkQueue(this.opts.queue.name));
      return r.messageCount;
    } catch (err) {
      this.log.debug(describeError(err));
      return undefined;
    }
  }

  /**
   * Stops consuming and closes the connection. Deliveries not acked by now go back to the queue.
   * Pending next() calls return []. Gives the broker CLOSE_WAIT_MS in all: at most half of it to answer
   * basic.cancel, the rest to answer connection.close; one that does not has its socket dropped (see closeQuietly).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.buffer.wakeAll();
    this.flushAcks();
    const until = Date.now() + CLOSE_WAIT_MS;
    const ch = this.session.channel;
    if (ch && this.consumerTag) await settlesWithin(ch.cancel(this.consumerTag), CLOSE_WAIT_MS / 2);
    await this.session.close(until - Date.now());
    this.buffer.clear();
  }
}

/** amqplib's ack/reject only read fields.deliveryTag. */
function asMessage(deliveryTag: number): Message {
  return { fields: { deliveryTag } } as unknown as Message;
}
