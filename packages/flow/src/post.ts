// The post step: turns finished items into outgoing notices and publishes them with confirms; failures go to a retry queue.
import type { Logger } from '@sarra/common';
import { describeError, PermanentError } from '@sarra/common';
import type { Options } from '@sarra/config';
import { postExchanges } from '@sarra/config';
import type { Format, Notice } from '@sarra/message';
import { REPORT, encode, formatFromPrefix, topicFor } from '@sarra/message';

const TOPIC_CACHE_MAX = 10_000;
import type { PublishOptions } from '@sarra/broker';
import type { FlowMetrics, PostSink, RetryQueue, WorkItem } from './types.js';
import { noticeSigner, restamp, type NoticeSigner } from './notice-trust.js';

/** What the Poster needs from a broker Publisher (the @sarra/broker Publisher satisfies it). */
export interface PublisherLike {
  start(): Promise<void>;
  publish(exchange: string, routingKey: string, body: Buffer, opts?: PublishOptions): void;
  /** Rejects when some were not confirmed; a `failed` array (PublishError) names them. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface PosterOptions {
  publisher: PublisherLike;
  logger: Logger;
  metrics?: FlowMetrics;
  /** Post retry queue: holds ready-to-publish items (outgoing notice, topic, exchange, format). */
  retryQueue?: RetryQueue;
  /** Close the publisher at close(). @default true */
  ownsPublisher?: boolean;
  /** Announce the new location (newBaseUrl/newRelPath: download and send flows); false keeps baseUrl and relPath (shovel). @default true */
  relocate?: boolean;
  /**
   * Nothing but the poster can change a notice (no plugin, no sourceFromExchange, no cluster): with relocate
   * false, a v03 item going out as v03 is published with the bytes it arrived with (`raw`), not re-encoded.
   * @default false
   */
  passThrough?: boolean;
}

const OLD_NAMES = [Buffer.from('"integrity"'), Buffer.from('"retPath"')];

/** The received body can be re-published as is: same format, and no old field name the decoder renamed. */
function reusable(it: WorkItem, format: Format): it is WorkItem & { raw: Buffer } {
  return !!it.raw && it.format === 'v03' && format === 'v03' && !it.newIdentity && it.newSize === undefined && it.notice.report === undefined &&
    !OLD_NAMES.some((b) => it.raw!.includes(b));
}

/** The outgoing format: post_format if given, else from post_topicPrefix (v02.post -> v02), else v03. */
export function postFormat(o: Options): Format {
  const f = o.post_format?.toLowerCase();
  if (f === 'v02' || f === 'v03' || f === 'wis') return f;
  return formatFromPrefix(o.post_topicPrefix || 'v03');
}

/** Index of the split exchange for a notice: sum of the identity value bytes mod n (relPath when no identity). */
export function splitIndex(n: Notice, count: number): number {
  if (count <= 1) return 0;
  const key = Buffer.from(n.identity?.value ?? n.relPath, 'utf8');
  let sum = 0;
  for (const b of key) sum += b;
  return sum % count;
}

/** The notice announced downstream for a finished item (working fields never leave the process). */
export function outgoingNotice(o: Options, item: WorkItem, relocate = true): Notice {
  const n: Notice = { ...item.notice };
  const newBase = relocate ? item.newBaseUrl ?? o.post_baseUrl : undefined;
  if (newBase) n.baseUrl = newBase;
  if (relocate && item.newRelPath !== undefined) n.relPath = item.newRelPath;
  if (item.newIdentity) n.identity = item.newIdentity;
  if (item.newSize !== undefined) n.size = item.newSize;
  if (newBase && newBase !== item.notice.baseUrl) delete n.retrievePath;
  if (o.cluster && !n.from_cluster) n.from_cluster = o.cluster;
  // `header name=value` lines (sr3): added to every notice posted, replacing a field of the same name
  for (const [k, v] of Object.entries(o.headers ?? {})) n[k] = v;
  if (o.component !== 'report') delete n.report;
  return n;
}

/**
 * Publishes each ok item to postExchanges(o) (split by identity when post_exchangeSplit > 1), encoded as
 * postFormat(o) with topicFor(post_topicPrefix, relPath) (post_topic when set, else the received topic with topicCopy),
 * `header` fields added, and waits for
 * the confirms of the batch. Unconfirmed ones go to the post retry queue and are re-published by retry().
 * post() never throws.
 */
export class Poster implements PostSink {
  private readonly exchanges: string[];
  private readonly format: Format;
  private readonly prefix: string;
  private readonly topics = new Map<string, string>();
  private signer?: NoticeSigner;

  constructor(private readonly o: Options, private readonly opts: PosterOptions) {
    this.exchanges = postExchanges(o);
    this.format = postFormat(o);
    this.prefix = o.post_topicPrefix || (this.format === 'v02' ? 'v02.post' : 'v03');
  }

  /** topicFor(prefix, relPath) depends only on the directory: computed once per directory. */
  private topicOf(relPath: string): string {
    const last = relPath.lastIndexOf('/');
    const dir = last < 0 ? '' : relPath.slice(0, last);
    let t = this.topics.get(dir);
    if (t === undefined) {
      if (this.topics.size >= TOPIC_CACHE_MAX) this.topics.clear();
      t = topicFor(this.prefix, relPath);
      this.topics.set(dir, t);
    }
    return t;
  }

  async start(): Promise<void> {
    this.signer = await noticeSigner(this.o);
    await this.opts.retryQueue?.open();
    await this.opts.publisher.start();
  }

  /** Turns items into ready-to-publish records (notice, topic, exchange, format). */
  private prepare(items: WorkItem[]): WorkItem[] {
    const out: WorkItem[] = [];
    const relocate = this.opts.relocate !== false;
    const passThrough = !relocate && !!this.opts.passThrough && Object.keys(this.o.headers ?? {}).length === 0;
    const n = this.exchanges.length;
    for (const it of items) {
      const same = passThrough && !this.signer && reusable(it, this.format);
      const notice = same ? it.notice : restamp(it.notice, outgoingNotice(this.o, it, relocate), this.signer);
      const exchange = n === 1 ? this.exchanges[0]! : this.exchanges[splitIndex(notice, n)]!;
      const topic = this.o.post_topic ?? (this.o.topicCopy && it.topic ? it.topic : undefined);
      const rec: WorkItem = { notice, topic, exchange, format: this.format };
      if (same) rec.raw = it.raw;
      out.push(rec);
    }
    return out;
  }

  async post(items: WorkItem[]): Promise<WorkItem[]> {
    return items.length ? this.publish(this.prepare(items), items) : [];
  }

  /**
   * A notice that can never be published (HeaderTooLongError from v02 encoding, a message the AMQP
   * client refuses to encode): counted (post.message.txBadCount, totals.postFailed), logged with the
   * reason, and dropped, never put in the retry queue. The source item, when known, carries the reason
   * as its report code/message (reports, afterPost hooks); the engine acks it like every posted item.
   */
  private unpublishable(r: WorkItem, err: unknown, source?: WorkItem): void {
    const m = this.opts.metrics;
    m?.inc('post.message.txBadCount');
    m?.inc('totals.postFailed');
    const code = err instanceof PermanentError && err.reportCode ? err.reportCode : REPORT.invalid;
    const reason = describeError(err);
    if (source) {
      source.reportCode = code;
      source.reportMessage = `not posted: ${reason}`;
    }
    this.opts.logger.error(`not posted (${code}, dropped, never retried): ${r.exchange ?? ''} ${r.notice.relPath}: ${reason}`);
  }

  /**
   * Publishes prepared records (`sources[i]` is the item `recs[i]` was made from); unconfirmed ones go to the retry
   * queue. Returns the sources of those neither confirmed nor queued (no retry queue, or its write failed).
   */
  private async publish(recs: WorkItem[], sources?: WorkItem[]): Promise<WorkItem[]> {
    const pub = this.opts.publisher;
    const m = this.opts.metrics;
    const byBody = new Map<Buffer, WorkItem>();
    const sourceOf = sources ? new Map<WorkItem, WorkItem>() : undefined;
    let bytes = 0;
    for (let i = 0; i < recs.length; i++) {
      const r = recs[i]!;
      if (sourceOf) sourceOf.set(r, sources![i]!);
      try {
        // a WIS2 topic names the dataset, not the directories: encode() takes it from the notice or post_topicPrefix
        const topic = r.topic ?? ((r.format ?? this.format) === 'wis' ? undefined : this.topicOf(r.notice.relPath));
        const w = r.raw && topic !== undefined ? { routingKey: topic, body: r.raw, contentType: 'application/json', headers: undefined, contentEncoding: undefined }
          : encode(r.notice, r.format ?? this.format, { topicPrefix: this.prefix, topic });
        r.topic ??= w.routingKey;
        byBody.set(w.body, r);
        bytes += w.body.length;
        pub.publish(r.exchange!, w.routingKey, w.body, {
          headers: w.headers,
          contentType: w.contentType,
          contentEncoding: w.contentEncoding,
          persistent: this.o.persistent,
          expiration: this.o.post_messageAgeMax > 0 ? Math.round(this.o.post_messageAgeMax * 1000) : undefined,
        });
      } catch (err: unknown) {
        this.unpublishable(r, err, sourceOf?.get(r));
      }
    }
    let failed: WorkItem[] = [];
    let dropped = 0;
    try {
      await pub.flush();
    } catch (err: unknown) {
      const e = err as { failed?: { body: Buffer }[]; unpublishable?: { body: Buffer; error?: string }[] };
      // refused by the client's encoder: retrying cannot help
      const never = new Set<WorkItem>();
      for (const u of e.unpublishable ?? []) {
        const r = byBody.get(u.body);
        if (!r) continue;
        never.add(r);
        this.unpublishable(r, new PermanentError(u.error ?? 'refused by the AMQP client', { reportCode: REPORT.invalid }), sourceOf?.get(r));
      }
      dropped = never.size;
      const list = e.failed;
      failed = (list ? list.map((f) => byBody.get(f.body)).filter((x): x is WorkItem => !!x) : [...byBody.values()]).filter((r) => !never.has(r));
      if (failed.length) this.opts.logger.warning(`post: ${failed.length} not confirmed, queued for retry: ${describeError(err)}`);
    }
    const good = byBody.size - failed.length - dropped;
    if (m) {
      m.inc('post.message.txGoodCount', good);
      m.inc('post.message.txByteCount', bytes);
      if (good) m.set('post.message.txLast', Date.now());
      m.inc('totals.posted', good);
      m.inc('totals.postFailed', failed.length);
    }
    if (this.opts.logger.enabled('debug')) for (const r of byBody.values()) this.opts.logger.debug(`published ${r.exchange} ${r.topic} ${r.notice.relPath}`);
    if (!failed.length) return [];
    const q = this.opts.retryQueue;
    if (q) {
      try {
        // re-encoded when retried: the received bytes stay in memory only
        await q.put(failed.map(({ raw: _raw, ...rec }) => rec));
        return [];
      } catch (e: unknown) {
        this.opts.logger.error(`post retry queue: ${describeError(e)}`);
      }
    }
    return sourceOf ? failed.map((r) => sourceOf.get(r)!) : [];
  }

  async retry(max: number): Promise<void> {
    const q = this.opts.retryQueue;
    if (!q || q.size() === 0) return;
    const recs = await q.get(max);
    if (recs.length) await this.publish(recs);
  }

  pending(): number {
    return this.opts.retryQueue?.size() ?? 0;
  }

  async housekeeping(): Promise<void> {
    await this.opts.retryQueue?.housekeeping();
  }

  async close(): Promise<void> {
    await this.opts.retryQueue?.close();
    if (this.opts.ownsPublisher !== false) await this.opts.publisher.close();
  }
}
