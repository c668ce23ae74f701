// A self-healing connection + channel: reconnects forever with back-off, re-runs setup, counts generations.
import type { Channel, ChannelModel } from 'amqplib';
import { describeError, Logger, TransientError } from '@sarra/common';
import {
  AbortedError,
  backoffDelay,
  brokerAddresses,
  CLOSE_WAIT_MS,
  closeQuietly,
  connectWithRetry,
  nodeName,
  sleep,
  type BrokerAddress,
  type ConnectOptions,
} from './connection.js';

/** What the owner of a Session does at each (re)connect and loss. */
export interface SessionHooks<C extends Channel> {
  /** Runs on every new channel before it counts as connected: declare, prefetch, consume... A throw, or a setup
   *  not done within connectTimeoutMs, closes that connection and retries with back-off. `step` names what the
   *  setup waits for now (e.g. 'declare queue q'), for the log line of a setup the broker never answers. */
  setup(model: ChannelModel, channel: C, generation: number, step: (what: string) => void): Promise<void>;
  /** The channel of `generation` is gone (connection lost, channel error, or close()). */
  lost(generation: number): void;
}

/** Counters for `sr status` and logs. */
export interface SessionStats {
  /** Connections lost after being established (not counting close()). */
  disconnects: number;
  /** Total ms spent connected, including the current connection. */
  connectedMs: number;
  /** Total ms since start() spent not connected (connecting, or reconnecting after a loss). */
  disconnectedMs: number;
  /** `host:port` of the node connected to (one of the URL's host list); undefined while not connected. */
  node?: string;
}

/**
 * Owns one connection and one channel (plain or confirm). Each successful (re)connect increments
 * `generation`; anything tied to an older generation (delivery tags, unconfirmed publishes) is dead.
 * A channel error closes the whole connection and reconnects, so the next generation starts clean.
 */
export class Session<C extends Channel> {
  generation = 0;
  channel: C | undefined;
  private model: ChannelModel | undefined;
  private lostGeneration = 0;
  private closing = false;
  private readonly abort = new AbortController();
  private readonly log: Logger;
  private readonly opts: ConnectOptions;
  private connectedSince: number | undefined;
  private connectedTotal = 0;
  private startedAt: number | undefined;
  private stoppedAt: number | undefined;
  private reconnecting: Promise<void> | undefined;
  disconnects = 0;
  /** The URL's nodes (several for a cluster's host list) and the one tried first at the next (re)connect. */
  private readonly nodes: BrokerAddress[];
  private nextNode = 0;
  private node: BrokerAddress;

  constructor(
    opts: ConnectOptions,
    private readonly confirm: boolean,
    private readonly hooks: SessionHooks<C>,
  ) {
    this.log = opts.logger ?? Logger.silent();
    if (opts.signal) {
      const outer = opts.signal;
      if (outer.aborted) this.abort.abort();
      else outer.addEventListener('abort', () => void this.close(), { once: true });
    }
    this.opts = { ...opts, signal: this.abort.signal, logger: this.log };
    this.nodes = brokerAddresses(opts.url);
    this.node = this.nodes[0]!;
  }

  /** Broker address without password (the node connected to, or last tried) and connection name, for logs. */
  get label(): string {
    const a = this.node;
    const of = this.nodes.length > 1 ? ` node ${this.nodes.indexOf(a) + 1} of ${this.nodes.length}` : '';
    return `${a.protocol}://${a.username}@${nodeName(a)}/${encodeURIComponent(a.vhost)} (${this.opts.connectionName ?? 'sarra-ts'}${of})`;
  }

  get connected(): boolean {
    return this.channel !== undefined;
  }

  get stats(): SessionStats {
    const now = Date.now();
    const connectedMs = this.connectedTotal + (this.connectedSince === undefined ? 0 : now - this.connectedSince);
    const lived = this.startedAt === undefined ? 0 : (this.stoppedAt ?? now) - this.startedAt;
    const stats: SessionStats = { disconnects: this.disconnects, connectedMs, disconnectedMs: Math.max(0, lived - connectedMs) };
    if (this.channel) stats.node = nodeName(this.node);
    return stats;
  }

  /**
   * First connection: retries forever; rejects with AbortedError if aborted or closed first, with BrokerRefusedError
   * if the broker refuses the login or vhost (unless `retryRefused`): options that were never accepted will not be.
   * Reconnects after a loss keep retrying a refusal (a password changed on a running pump).
   */
  async start(): Promise<void> {
    this.startedAt ??= Date.now();
    await this.establish(this.opts.retryRefused ?? false);
  }

  /** A connection to run one-off operations (e.g. a passive queue check) on a throwaway channel. */
  get currentModel(): ChannelModel | undefined {
    return this.channel ? this.model : undefined;
  }

  private async establish(retryRefused: boolean): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.closing) throw new AbortedError('closed');
      const { model, node } = await connectWithRetry({ ...this.opts, retryRefused }, undefined, this.nextNode);
      this.node = this.nodes[node]!;
      // a node that fails setup or is lost later is tried last next time: the next (re)connect starts after it
      this.nextNode = node + 1;
      const generation = this.generation + 1;
      try {
        const channel = await this.setUp(model, generation);
        if (this.lostGeneration === generation) throw new Error('connection lost during setup');
        if (this.closing) throw new AbortedError('closed');
        this.channel = channel;
        this.connectedSince = Date.now();
        this.log.info(`connected to ${this.label}, generation ${generation}`);
        return;
      } catch (err) {
        await closeQuietly(model);
        if (err instanceof AbortedError || this.closing) throw new AbortedError('closed');
        const ms = backoffDelay(attempt, this.opts.backoff);
        this.log.warning(`${this.label}: setup failed: ${describeError(err)}; retrying in ${(ms / 1000).toFixed(1)} s`);
        await sleep(ms, this.abort.signal);
      }
    }
  }

  /**
   * Opens the channel and runs the owner's setup on it, giving up after connectTimeoutMs (a broker that accepted the
   * connection, beats, and never answers a declare) or at close(), whichever comes first: the caller then closes the
   * connection, which fails whatever the setup still waits for.
   */
  private async setUp(model: ChannelModel, generation: number): Promise<C> {
    const limitMs = this.opts.connectTimeoutMs ?? 10_000;
    let waitingFor = this.confirm ? 'confirm channel open' : 'channel open';
    const work = (async () => {
      const channel = (this.confirm ? await model.createConfirmChannel() : await model.createChannel()) as C;
      this.watch(model, channel, generation);
      this.model = model;
      this.generation = generation;
      await this.hooks.setup(model, channel, generation, (what) => (waitingFor = what));
      return channel;
    })();
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const given = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TransientError(`no answer within ${limitMs} ms to ${waitingFor}`, { code: 'ERR_BROKER_SETUP' })), limitMs);
      onAbort = () => reject(new AbortedError('closed'));
      if (this.abort.signal.aborted) onAbort();
      else this.abort.signal.addEventListener('abort', onAbort, { once: true });
    });
    // what the setup still waits for fails once its connection is closed: nobody is left to hear it
    work.catch(() => {});
    try {
      return await Promise.race([work, given]);
    } finally {
      clearTimeout(timer);
      this.abort.signal.removeEventListener('abort', onAbort!);
    }
  }

  /** Every emitter gets 'error' and 'close' listeners; the first loss of a generation wins. */
  private watch(model: ChannelModel, channel: C, generation: number): void {
    channel.on('error', (err: Error) => this.log.warning(`${this.label}: channel error: ${describeError(err)}`));
    channel.on('close', () => {
      this.onLost(generation);
      // a channel closed by a channel error leaves the connection up: drop it so the next generation is clean
      void closeQuietly(model);
    });
    model.on('close', (err?: Error) => {
      if (err) this.log.warning(`${this.label}: connection closed: ${describeError(err)}`);
      this.onLost(generation);
    });
  }

  private onLost(generation: number): void {
    if (this.lostGeneration >= generation) return;
    this.lostGeneration = generation;
    const wasConnected = this.generation === generation && this.channel !== undefined;
    if (wasConnected) {
      this.channel = undefined;
      if (this.connectedSince !== undefined) this.connectedTotal += Date.now() - this.connectedSince;
      this.connectedSince = undefined;
      if (!this.closing) this.disconnects++;
    }
    try {
      this.hooks.lost(generation);
    } catch (err) {
      this.log.error(`lost hook failed: ${describeError(err)}`);
    }
    if (wasConnected && !this.closing) this.reconnectSoon();
  }

  private reconnectSoon(): void {
    if (this.reconnecting) return;
    this.log.warning(`${this.label}: connection lost; reconnecting`);
    this.reconnecting = (async () => {
      try {
        await sleep(backoffDelay(0, this.opts.backoff), this.abort.signal);
        await this.establish(true);
      } catch (err) {
        if (!(err instanceof AbortedError)) this.log.error(`${this.label}: reconnect gave up: ${describeError(err)}`);
      } finally {
        this.reconnecting = undefined;
      }
    })();
  }

  /** Stops reconnecting and closes the connection (waiting `waitMs` at most for the broker's close-ok, see
   *  closeQuietly); unacked deliveries go back to the queue. */
  async close(waitMs = CLOSE_WAIT_MS): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.abort.abort();
    if (this.startedAt !== undefined) this.stoppedAt = Date.now();
    const model = this.model;
    this.onLost(this.generation);
    this.channel = undefined;
    await closeQuietly(model, waitMs);
    await this.reconnecting;
  }
}

export type { Channel };
