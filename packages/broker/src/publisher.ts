// Publishes with publisher confirms, batch by batch: publish() buffers, flush() reports exactly what failed.
import type { ChannelModel, ConfirmChannel, Options } from 'amqplib';
import { describeError, Logger, TransientError } from '@sarra/common';
import type { ConnectOptions } from './connection.js';
import { Session } from './session.js';
import { declareExchanges } from './topology.js';
import { publishBatched, whenWritten } from './frames.js';
import type { BrokerPublisher, PublishOptions } from './types.js';
import { OnSession } from './on-session.js';

/** A message as given to publish(); PublishError.failed lists these so the caller can re-publish them.
 *  `body` is the very Buffer passed to publish(), so callers may map failures back by identity. */
export interface OutgoingMessage {
  exchange: string;
  routingKey: string;
  body: Buffer;
  options: PublishOptions;
}

/**
 * flush() failed for part of the batch: `failed` are the messages the broker did not confirm (nacked,
 * connection lost before the confirm, or not sent within the flush timeout). Every other message of the
 * batch was confirmed. Re-publish `failed` (or put them in the post retry queue). A message in `failed`
 * may still have reached the broker (confirm lost with the connection): downstream sees a duplicate at worst.
 */
export class PublishError extends TransientError {
  readonly failed: OutgoingMessage[];
  readonly confirmed: number;
  /** The part of `failed` the AMQP client refused to encode (e.g. a header table too large, a name over
   *  255 bytes), with the reason: re-publishing cannot help, report and drop them. */
  readonly unpublishable: (OutgoingMessage & { error: string })[];
  constructor(failed: OutgoingMessage[], confirmed: number, reason: string, unpublishable: (OutgoingMessage & { error: string })[] = []) {
    super(`${failed.length} of ${failed.length + confirmed} messages not confirmed: ${reason}`, { code: 'ERR_PUBLISH_UNCONFIRMED' });
    this.failed = failed;
    this.confirmed = confirmed;
    this.unpublishable = unpublishable;
  }
}

/** Publisher options on top of ConnectOptions. */
export interface PublisherOptions extends ConnectOptions {
  /** Topic exchanges declared (durable) on every (re)connect. @default [] */
  declareExchanges?: string[];
  /** flush() gives up on messages still unconfirmed (or unsent while disconnected) after this many ms. @default 30000 */
  flushTimeoutMs?: number;
}

type State = 'queued' | 'sent' | 'ok' | 'failed';

interface Entry {
  msg: OutgoingMessage;
  state: State;
  reason?: string;
  /** the client refused to encode it: never publishable */
  refused?: boolean;
  /** times it was sent again after its connection was lost unconfirmed */
  resent?: number;
  batch: Batch;
}

/** Sends again, on the next connection (the next node of a cluster), of a message whose confirm was lost with its
 *  connection, before flush() reports it failed: the broker may have it already, so downstream may see it twice
 *  (at-least-once, as sr3; a subscriber's duplicate suppression drops the second). */
const RESENDS = 3;

class Batch {
  pending = 0;
  private resolve: (() => void) | undefined;
  readonly entries: Entry[] = [];
  /** Resolves when no entry is queued or sent. */
  settled(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((r) => (this.resolve = r));
  }
  done(): void {
    if (--this.pending === 0 && this.resolve) this.resolve();
  }
}

/**
 * Publishes persistent messages with publisher confirms on one ConfirmChannel; reconnects with back-off.
 * publish() is synchronous: it writes at once when connected and the channel has room, else queues.
 * flush() writes what is queued (waiting for 'drain' when the socket is full) and resolves when every
 * message published since the previous flush() is confirmed; otherwise it rejects with PublishError
 * listing the unconfirmed ones. Confirms are awaited per batch, never per message.
 */
export class Publisher extends OnSession implements BrokerPublisher {
  protected readonly session: Session<ConfirmChannel>;
  private readonly log: Logger;
  private batch = new Batch();
  private unsent: Entry[] = [];
  private inflight = new Set<Entry>();
  /** the channel returned false from publish(): wait for 'drain' before writing more */
  private full = false;
  private pumpScheduled = false;
  private closed = false;
  /** Times the channel's write buffer was full and publishing paused until 'drain'. */
  backpressureWaits = 0;
  /** Channels the broker closed in answer to a basic.publish, with its reason (see publishRefusal). */
  private readonly refusals = new WeakMap<ConfirmChannel, string>();

  constructor(private readonly opts: PublisherOptions) {
    super();
    this.log = opts.logger ?? Logger.silent();
    this.session = new Session<ConfirmChannel>(
      { ...opts, connectionName: opts.connectionName ?? 'sarra-ts publisher' },
      true,
      { setup: (m, ch, _g, step) => this.setup(m, ch, step), lost: () => this.onLost() },
    );
    // aborting is closing: what is not confirmed yet is reported failed by flush()
    opts.signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  private async setup(model: ChannelModel, ch: ConfirmChannel, step: (what: string) => void): Promise<void> {
    const exchanges = this.opts.declareExchanges ?? [];
    if (exchanges.length) {
      step(`declare exchanges ${exchanges.join(', ')}`);
      await declareExchanges(model, exchanges, this.log);
    }
    ch.on('error', (err: unknown) => {
      const refusal = publishRefusal(err);
      if (refusal) this.refusals.set(ch, refusal);
    });
    this.full = false;
    ch.on('drain', () => {
      this.full = false;
      this.pump();
    });
    // queued messages go out once the session marks itself connected, right after setup returns
    setImmediate(() => this.pump());
  }

  private onLost(): void {
    // amqplib fails the confirm callbacks of a closed channel (resent from there); this is a backstop should any be left
    for (const e of [...this.inflight]) this.lostUnconfirmed(e, 'connection lost');
    this.full = false;
  }

  /** A message sent on a connection that went away before its confirm: queued to go again (RESENDS times at most). */
  private lostUnconfirmed(e: Entry, reason: string): void {
    if (e.state !== 'sent') return;
    if (this.closed || (e.resent ?? 0) >= RESENDS) {
      this.finish(e, 'failed', reason);
      return;
    }
    this.inflight.delete(e);
    e.resent = (e.resent ?? 0) + 1;
    e.state = 'queued';
    this.unsent.push(e);
  }

  /** Queues one message for the current batch. Never throws for a connection problem; flush() reports. */
  publish(exchange: string, routingKey: string, body: Buffer, opts: PublishOptions = {}): void {
    const entry: Entry = { msg: { exchange, routingKey, body, options: opts }, state: 'queued', batch: this.batch };
    this.batch.entries.push(entry);
    this.batch.pending++;
    if (this.closed) {
      this.finish(entry, 'failed', 'publisher closed');
      return;
    }
    this.unsent.push(entry);
    // written after the caller's current loop (or by flush()), so a burst of publishes goes out as one batch
    if (!this.pumpScheduled) {
      this.pumpScheduled = true;
      queueMicrotask(() => {
        this.pumpScheduled = false;
        this.pump();
      });
    }
  }

  /** Writes queued messages while the channel accepts them. */
  private pump(): void {
    const ch = this.session.channel;
    if (!ch || this.full || this.unsent.length === 0) return;
    const q = this.unsent;
    let i = 0;
    let room = true;
    const last = publishBatched(ch, () => {
      while (room && i < q.length && ch === this.session.channel) {
        const e = q[i]!;
        if (e.state === 'queued') {
          const r = this.write(ch, e);
          if (r === 'requeue') break;
          room = r === 'room';
        }
        i++;
      }
    });
    this.unsent = i >= q.length ? [] : q.slice(i);
    if (!room || !last) {
      // wait until what was handed over reached the socket ('drain' of the channel also resumes)
      this.full = true;
      this.backpressureWaits++;
      whenWritten(ch, () => {
        if (ch !== this.session.channel || !this.full) return;
        this.full = false;
        this.pump();
      });
    }
  }

  /** Sends one message: 'room' or 'full' (the channel asks to wait), 'requeue' when the channel was replaced meanwhile. */
  private write(ch: ConfirmChannel, e: Entry): 'room' | 'full' | 'requeue' {
    const m = e.msg;
    e.state = 'sent';
    this.inflight.add(e);
    try {
      const room = ch.publish(m.exchange, m.routingKey, m.body, properties(m.options), (err: unknown) => {
        // a nack is the broker's answer; any other error is the channel closing with the confirm outstanding:
        // because the broker refused a publish (sending it again meets the same refusal), or for another reason
        if (!err || (err instanceof Error && err.message === 'message nacked')) this.finish(e, err ? 'failed' : 'ok', err ? describeError(err) : undefined);
        else {
          const refusal = this.refusals.get(ch);
          if (refusal) this.finish(e, 'failed', refusal);
          else this.lostUnconfirmed(e, describeError(err));
        }
      });
      return room ? 'room' : 'full';
    } catch (err) {
      // a closed channel throws before queueing the confirm callback; oversize headers throw RangeError
      if (this.session.channel === ch) {
        // encoding errors (RangeError, TypeError) are the message's fault; anything else (a closing channel) is not
        e.refused = err instanceof RangeError || err instanceof TypeError;
        this.finish(e, 'failed', describeError(err));
        return 'room';
      }
      this.inflight.delete(e);
      e.state = 'queued';
      return 'requeue';
    }
  }

  private finish(e: Entry, state: 'ok' | 'failed', reason?: string): void {
    if (e.state === 'ok' || e.state === 'failed') return;
    this.inflight.delete(e);
    e.state = state;
    if (reason) e.reason = reason;
    e.batch.done();
  }

  /**
   * Resolves when every message published since the last flush() is confirmed (at once if there were
   * none). Rejects with PublishError (a TransientError) naming the unconfirmed ones: nacked, refused by the
   * broker (see publishRefusal: failed at once, never sent again), lost with the connection (after RESENDS),
   * or still unsent/unconfirmed after `flushTimeoutMs`. Messages published while a
   * flush() is waiting belong to the next flush().
   */
  async flush(): Promise<void> {
    const batch = this.batch;
    this.batch = new Batch();
    if (batch.entries.length === 0) return;
    this.pump();
    const timeoutMs = this.opts.flushTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
    await Promise.race([batch.settled(), timeout]);
    clearTimeout(timer);
    for (const e of batch.entries) {
      if (e.state === 'queued' || e.state === 'sent') this.finish(e, 'failed', `not confirmed within ${timeoutMs} ms`);
    }
    if (batch.entries.some((e) => e.state === 'queued' || e.state === 'failed')) {
      this.unsent = this.unsent.filter((e) => e.state === 'queued');
    }
    const failed = batch.entries.filter((e) => e.state === 'failed');
    if (failed.length === 0) return;
    const reasons = [...new Set(failed.map((e) => e.reason ?? 'unknown'))].join('; ');
    this.log.warning(`publish: ${failed.length} of ${batch.entries.length} not confirmed (${reasons})`);
    throw new PublishError(
      failed.map((e) => e.msg),
      batch.entries.length - failed.length,
      reasons,
      failed.filter((e) => e.refused).map((e) => ({ ...e.msg, error: e.reason ?? 'refused by the AMQP client' })),
    );
  }

  /** Closes the connection. Messages not yet flushed are reported failed by a later flush(). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const e of this.unsent) this.finish(e, 'failed', 'publisher closed');
    this.unsent = [];
    await this.session.close();
  }
}

/**
 * The broker's reason when it closed a channel in answer to a basic.publish (class 60, method 40): 404 no such
 * exchange, 403 no write access to it. Every message unconfirmed on that channel then fails at once with it, never
 * sent again: the one refused would be refused again, and the broker dropped those after it unread (all go to the
 * caller's post retry queue). undefined for any other channel error.
 */
function publishRefusal(err: unknown): string | undefined {
  const e = err as { code?: unknown; classId?: unknown; methodId?: unknown; message?: unknown };
  if (typeof e?.code !== 'number' || e.classId !== 60 || e.methodId !== 40) return undefined;
  return `the broker refused a publish: ${String(e.message).replace(/^Channel closed by server: /, '')}`;
}

/** AMQP properties of a message: persistent unless said otherwise, per-message TTL as a string of ms. */
function properties(o: PublishOptions): Options.Publish {
  const p: Options.Publish = { persistent: o.persistent ?? true };
  if (o.contentType) p.contentType = o.contentType;
  if (o.contentEncoding) p.contentEncoding = o.contentEncoding;
  if (o.headers) p.headers = o.headers;
  if (o.expiration !== undefined && o.expiration > 0) p.expiration = String(Math.round(o.expiration));
  return p;
}
