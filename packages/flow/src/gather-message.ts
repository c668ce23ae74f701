// Gatherer over a broker queue: queue naming and persistence, bindings, decoding, malformed-message handling.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from '@sarra/common';
import { ConfigError, describeError, withCredentials } from '@sarra/common';
import type { Options } from '@sarra/config';
import { brokerUser, defaultQueueName, subscribeBindings } from '@sarra/config';
import { mqttClientId, openConsumer } from '@sarra/broker';
import type { BrokerConsumer, Delivery, QueueSpec } from '@sarra/broker';
import { MalformedNoticeError, decode, msFromTimestamp, type Notice } from '@sarra/message';
import type { FlowMetrics, Gatherer, WorkItem } from './types.js';
import { abortableSleep } from './pace.js';
import { StreamPosition } from './stream-offset.js';
import { ackOnce, deliveryAck } from './settle.js';

/** What a message gatherer needs besides the options. */
export interface MessageGathererOptions {
  logger: Logger;
  /** Instance number: 1 (or 0 in the foreground) is the lead that persists the queue name. */
  instance: number;
  /** `~/.cache/sarra/<component>/<config>` */
  stateDir: string;
  metrics?: FlowMetrics;
  signal?: AbortSignal;
  /** How long one gather waits for the first message, in ms. @default 500 */
  waitMs?: number;
  /** Largest body accepted, in bytes. @default 1 MiB */
  maxBytes?: number;
  /** The flow only relays notices (work 'none': shovel, winnow, report): see {@link effectivePrefetch}. @default false */
  relay?: boolean;
}

/** `<component>.<config>.<brokerUser>.qname` in the state dir (sr3 file name). */
export function queueNameFile(o: Options, stateDir: string): string {
  return join(stateDir, `${o.component}.${o.config}.${brokerUser(o.broker) ?? 'anonymous'}.qname`);
}

/**
 * The queue name: `queueName` if set; else the persisted one; else (lead instance, or nobody wrote it
 * within a few seconds) a new `defaultQueueName` written to the state dir.
 */
export async function resolveQueueName(o: Options, stateDir: string, instance: number, signal?: AbortSignal): Promise<string> {
  if (o.queueName) return o.queueName;
  const file = queueNameFile(o, stateDir);
  const read = async (): Promise<string | undefined> => {
    try {
      const t = (await readFile(file, 'utf8')).trim();
      return t || undefined;
    } catch { return undefined; }
  };
  let name = await read();
  if (name) return name;
  if (instance > 1) {
    for (let i = 0; i < 20 && !name && !signal?.aborted; i++) {
      await abortableSleep(250, signal);
      name = await read();
    }
    if (name) return name;
  }
  name = defaultQueueName(o, randomBytes(4).toString('hex'));
  await mkdir(stateDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, name + '\n');
  await rename(tmp, file);
  return name!;
}

/** Source user of `xs_<user>[_suffix]`, for `sourceFromExchange`. */
export function userFromExchange(exchange: string): string | undefined {
  const m = /^xs_([^_]+)/.exec(exchange);
  return m?.[1];
}

/**
 * The `source` a received notice goes on with (sr3's Message.deriveSource): the configured `source`, else with
 * `sourceFromExchange` the user of the `xs_<user>` exchange it came from, replaces the notice's own, unless
 * `sourceFromMessage` is on and the notice names one: then its own is kept (a trusted upstream pump).
 */
export function deriveSource(o: Pick<Options, 'source' | 'sourceFromExchange' | 'sourceFromMessage'>, notice: Notice, exchange: string): void {
  const source = o.source || (o.sourceFromExchange ? userFromExchange(exchange) : undefined);
  if (o.sourceFromMessage && typeof notice.source === 'string' && notice.source !== '') return;
  if (source) notice.source = source;
}

/**
 * Gathers notices from the configured broker queue. Malformed messages are acked, counted
 * (`totals.malformed`, `gather.message.rxBadCount`) and logged with their reason here; they never reach the flow.
 */
export class MessageGatherer implements Gatherer {
  readonly name = 'gather.message';
  private consumer?: BrokerConsumer;
  private queue = '';
  private readonly counters = { rxByteCount: 0, rxGoodCount: 0, rxBadCount: 0, rxLast: 0, brokerQueuedMessageCount: 0 };
  private lastDepth = 0;
  /** queueType stream: how far the flow has acked, where a (re)connect resumes reading. */
  private position?: StreamPosition;

  constructor(private readonly o: Options, private readonly opts: MessageGathererOptions) {}

  /** The queue consumed (known after start). */
  get queueName(): string { return this.queue; }

  async start(): Promise<void> {
    const o = this.o;
    if (!o.broker) throw new ConfigError('no broker configured', { file: o.file });
    this.queue = await resolveQueueName(o, this.opts.stateDir, this.opts.instance, this.opts.signal);
    this.opts.metrics?.setQueue?.(this.queue);
    const bindings = subscribeBindings(o, this.opts.instance);
    const url = withCredentials(o, o.broker);
    const prefetch = effectivePrefetch(o, this.opts.relay ?? false);
    // the instance's stop aborts a connect still in progress; once consuming, the consumer stays open until
    // stop(): the engine acks what its in-flight transfers finish within their stop grace
    const type = o.queueType === 'quorum' || o.queueType === 'stream' ? o.queueType : 'classic';
    if (type === 'stream') {
      this.position = new StreamPosition(queueNameFile(o, this.opts.stateDir).replace(/\.qname$/, '.offset'), this.opts.logger);
      const at = await this.position.load();
      this.opts.logger.info(`stream ${this.queue}: reading from ${at === undefined ? 'its first retained message' : `offset ${at}`}`);
    }
    const position = this.position;
    const starting = new AbortController();
    const outer = this.opts.signal;
    const onStop = (): void => starting.abort(outer?.reason);
    if (outer?.aborted) onStop();
    else outer?.addEventListener('abort', onStop, { once: true });
    this.consumer = openConsumer({
      url,
      logger: this.opts.logger,
      signal: starting.signal,
      tlsRigour: o.tlsRigour,
      queue: queueSpecOf(o, this.queue),
      bindings,
      prefetch,
      declareQueue: o.queueDeclare,
      bind: o.queueBind,
      ...(position ? { streamOffset: () => position.resumeAt() } : {}),
      // MQTT: one persistent session per instance; the instances share the subscription
      clientId: mqttClientId(this.queue, this.opts.instance),
      shared: o.instances > 1,
      qos: o.qos,
    });
    this.opts.logger.info(`consuming ${type === 'classic' ? '' : `${type} `}queue ${this.queue} (prefetch ${prefetch}) bound to ${bindings.map((b) => `${b.exchange} ${b.key}`).join(', ') || 'nothing'}`);
    try {
      await this.consumer.start();
    } finally {
      outer?.removeEventListener('abort', onStop);
    }
  }

  /** Up to `max` notices, waiting up to waitMs for the first; `signal` ends the wait early (stop, a transfer done). */
  async gather(max: number, signal: AbortSignal): Promise<WorkItem[]> {
    const c = this.consumer;
    if (!c) return [];
    const deliveries = await c.next(max, this.opts.waitMs ?? 500, signal);
    const items: WorkItem[] = [];
    for (const d of deliveries) {
      const it = this.toItem(d);
      if (it) items.push(it);
    }
    return items;
  }

  private toItem(d: Delivery): WorkItem | undefined {
    this.counters.rxByteCount += d.body.length;
    this.counters.rxLast = Date.now();
    try {
      const dec = decode(
        // MQTT's whole topic: a WIS message's relPath is rebuilt from it
        { routingKey: d.routingKey, ...(d.topic !== undefined ? { topic: d.topic } : {}), body: d.body, contentType: d.contentType, contentEncoding: d.contentEncoding, headers: d.headers },
        { maxBytes: this.opts.maxBytes },
      );
      const notice = dec.notice;
      deriveSource(this.o, notice, d.exchange);
      this.counters.rxGoodCount++;
      let pubMs: number | undefined;
      try { pubMs = msFromTimestamp(notice.pubTime); } catch { pubMs = undefined; }
      const it: WorkItem = { notice, topic: dec.topic, exchange: d.exchange, format: dec.format, pubMs, ack: this.acker(d) };
      if (dec.format === 'v03') it.raw = d.body;
      return it;
    } catch (err: unknown) {
      this.counters.rxBadCount++;
      this.opts.metrics?.inc('totals.malformed');
      const at = err instanceof MalformedNoticeError ? ` ${err.where()}` : '';
      this.opts.logger.warning(`malformed message from ${d.exchange} ${d.routingKey.slice(0, 120)}${at}: ${describeError(err)} (acked, dropped)`);
      ackOnce({ ack: this.acker(d) }, this.opts.logger);
      return undefined;
    }
  }

  /** Acks `d` on the broker; on a stream, also moves the read position past it once everything before is acked. */
  private acker(d: Delivery): () => void {
    const c = this.consumer!;
    const pos = this.position;
    const off = d.streamOffset;
    if (!pos || off === undefined) return deliveryAck(c, d);
    pos.delivered(off);
    return deliveryAck(c, d, () => pos.acked(off));
  }

  async stop(): Promise<void> {
    await this.consumer?.close();
    await this.position?.save();
  }

  isConnected(): boolean {
    return this.consumer?.connected ?? false;
  }

  metrics(): Record<string, number | string | boolean> {
    const c = this.consumer;
    const now = Date.now();
    if (c && now - this.lastDepth > 5000) {
      this.lastDepth = now;
      c.queueDepth().then((n) => { if (n !== undefined) this.counters.brokerQueuedMessageCount = n; }, () => {});
    }
    return {
      ...this.counters,
      connected: this.isConnected(),
      disconnectCount: c?.stats.disconnects ?? 0,
      // seconds, as sr3 writes it (sr status divides it by the interval in seconds)
      disconnectTime: ((c?.stats as { disconnectedMs?: number } | undefined)?.disconnectedMs ?? 0) / 1000,
      // host:port of the cluster node consumed from (sr status --json and the wide view show it); '' when not connected
      brokerNode: (c?.stats as { node?: string } | undefined)?.node ?? '',
    };
  }
}

/**
 * The queue of a consuming configuration, exactly as its instances and `sr declare` declare it: durable, auto_delete,
 * expire (x-expires), messageAgeMax (x-message-ttl; a stream's x-max-age) and queueType (x-queue-type).
 */
export function queueSpecOf(o: Options, name: string): QueueSpec {
  return {
    name,
    durable: o.durable,
    autoDelete: o.auto_delete,
    expires: o.expire > 0 ? Math.round(o.expire * 1000) : 0,
    messageTtl: o.messageAgeMax > 0 ? Math.round(o.messageAgeMax * 1000) : 0,
    type: o.queueType === 'quorum' || o.queueType === 'stream' ? o.queueType : 'classic',
  };
}

/** Batches a relay keeps in flight (one being gathered, the others awaiting their confirms). */
const RELAY_PIPELINE = 4;

/**
 * The broker prefetch used: `prefetch` when the configuration sets it; for a flow that only relays
 * notices (`relay`: work 'none', decided when the flow is built: shovel, winnow, report) left at sr3's default, enough for
 * RELAY_PIPELINE batches (capped at 1000), since the deliveries of a batch stay unacked until their
 * re-publication is confirmed and a prefetch under the batch size would idle the pipeline on every round trip.
 */
function effectivePrefetch(o: Options, relay: boolean): number {
  const set = (o as { origins?: Record<string, unknown> }).origins?.prefetch !== undefined;
  if (set || !relay) return Math.max(1, o.prefetch);
  return Math.max(1, o.prefetch, Math.min(1000, Math.max(1, o.batch) * RELAY_PIPELINE));
}

/** Contract name: a Gatherer over the configured broker queue. */
export function messageGatherer(o: Options, opts: MessageGathererOptions): MessageGatherer {
  return new MessageGatherer(o, opts);
}
