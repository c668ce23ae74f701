// A self-healing MQTT client: MQTT 5 with 3.1.1 fallback, reconnects by itself with back-off, counts generations and connected time.
import type { IClientOptions, MqttClient } from 'mqtt';
import { Logger, describeError, tlsOptions } from '@sarra/common';
import { AbortedError, backoffDelay, brokerUrlParts, sleep, type ConnectOptions } from './connection.js';
import { BrokerRefusedError } from './refused.js';
import type { SessionStats } from './session.js';

/** MQTT session options on top of ConnectOptions (whose `heartbeat` is the MQTT keepalive). */
export interface MqttSessionOptions extends ConnectOptions {
  /** The client identifier: stable across restarts for a persistent session. */
  clientId: string;
  /** Clean start (MQTT 5) / clean session (3.1.1): false keeps the session, its subscriptions and unacked messages. */
  clean: boolean;
  /** MQTT 5 session expiry in seconds after a disconnect; 0xFFFFFFFF never. @default 0 */
  sessionExpirySec?: number;
  /** MQTT 5 receive maximum: QoS 1 messages the broker may send ahead of our PUBACKs. */
  receiveMaximum?: number;
}

interface MqttAddress { protocol: 'mqtt' | 'mqtts'; hostname: string; port: number; username?: string; password?: string }

/** The parts of an `mqtt[s]://user:password@host[:port]` URL; the path is not used (MQTT has no vhost). */
function parseMqttUrl(url: string): MqttAddress {
  const u = brokerUrlParts(url, 'mqtt', 'mqtts', 1883, 8883);
  return {
    protocol: u.protocol as 'mqtt' | 'mqtts',
    hostname: u.hostname,
    port: u.port,
    ...(u.username ? { username: u.username } : {}),
    ...(u.password ? { password: u.password } : {}),
  };
}

/** CONNACK codes that refuse the login or the client (3.1.1: 2, 4, 5; MQTT 5: 133-135, 138). */
const REFUSED = new Set([2, 4, 5, 133, 134, 135, 138]);
/** CONNACK codes that refuse the protocol version (3.1.1: 1 "unacceptable protocol version"; MQTT 5: 132). */
const VERSION_REFUSED = new Set([1, 132]);

/** How one connect attempt ended before or at its CONNACK. */
type Outcome = 'connected' | 'closed' | 'version-refused' | Error;

/**
 * Owns one MQTT.js client. The first connect tries MQTT 5. The session falls back to 3.1.1 only when the broker
 * refuses the version: a CONNACK saying so, or a v5 CONNECT closed unanswered (RabbitMQ before 3.13) while a 3.1.1
 * CONNECT right after gets a CONNACK; a close a 3.1.1 CONNECT gets too was the network or a restart: MQTT 5 stays.
 * After the first CONNACK the session reconnects by itself (MQTT.js's own fixed-period reconnect is off) with
 * backoffDelay(): exponential, jittered, reset by a CONNACK. A failure is logged once per change of reason, then
 * at debug. Each CONNACK starts a new `generation`: a PUBACK owed to an older one is never sent (the broker
 * redelivers that message). A refused login on reconnect is retried like the AMQP side does (a password changed).
 */
export class MqttSession {
  client: MqttClient | undefined;
  generation = 0;
  /** 5 or 4 (3.1.1), known after start(). */
  protocolVersion: 4 | 5 = 5;
  disconnects = 0;
  readonly label: string;
  private readonly address: MqttAddress;
  private readonly log: Logger;
  private connectedSince: number | undefined;
  private connectedTotal = 0;
  private startedAt: number | undefined;
  private stoppedAt: number | undefined;
  private closing = false;
  /** Failed (re)connect attempts since the last CONNACK: the back-off's exponent. */
  private failures = 0;
  /** The last failure reason logged at warning or error: the same again is logged at debug only. */
  private lastReason: string | undefined;
  /** Ends a connect back-off when close() comes. */
  private readonly abort = new AbortController();

  constructor(
    private readonly opts: MqttSessionOptions,
    private readonly hooks: { connected(generation: number, sessionPresent: boolean): void; lost(generation: number): void },
  ) {
    this.log = opts.logger ?? Logger.silent();
    this.address = parseMqttUrl(opts.url);
    const a = this.address;
    this.label = `${a.protocol}://${a.username ?? ''}@${a.hostname}:${a.port} (${opts.clientId})`;
    opts.signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  get connected(): boolean {
    return this.connectedSince !== undefined;
  }

  get stats(): SessionStats {
    const now = Date.now();
    const connectedMs = this.connectedTotal + (this.connectedSince === undefined ? 0 : now - this.connectedSince);
    const lived = this.startedAt === undefined ? 0 : (this.stoppedAt ?? now) - this.startedAt;
    return { disconnects: this.disconnects, connectedMs, disconnectedMs: Math.max(0, lived - connectedMs) };
  }

  /** Resolves at the first CONNACK; rejects with BrokerRefusedError on a refused login (unless retryRefused), AbortedError when closed first. */
  async start(): Promise<void> {
    this.startedAt ??= Date.now();
    for (;;) {
      if (this.closing) throw new AbortedError('closed');
      const outcome = await this.attempt();
      if (outcome === 'connected') return;
      if (outcome === 'version-refused' && this.protocolVersion === 5) {
        this.log.info(`${this.label}: the broker refuses MQTT 5; using MQTT 3.1.1`);
        this.protocolVersion = 4;
        continue;
      }
      if (outcome === 'closed' && this.protocolVersion === 5) {
        // unanswered: a broker that does not speak MQTT 5, or a connection cut; a 3.1.1 CONNECT tells which
        this.protocolVersion = 4;
        const probe = await this.attempt();
        if (probe === 'connected') {
          this.log.info(`${this.label}: MQTT 5 CONNECT closed unanswered, MQTT 3.1.1 accepted; using MQTT 3.1.1`);
          return;
        }
        if (probe instanceof BrokerRefusedError) {
          // a CONNACK: the broker speaks 3.1.1, and refuses the login
          if (!this.opts.retryRefused) throw probe;
          await this.backOff(describeError(probe), 'error');
          continue;
        }
        this.protocolVersion = 5;
      }
      if (outcome instanceof BrokerRefusedError && !this.opts.retryRefused) throw outcome;
      await this.backOff(outcome instanceof Error ? describeError(outcome) : 'connection closed before CONNACK', outcome instanceof BrokerRefusedError ? 'error' : 'warning');
    }
  }

  /** Logs `reason` (once per change of reason; debug when the same as the last), then sleeps the back-off. */
  private async backOff(reason: string, level: 'warning' | 'error'): Promise<void> {
    const ms = backoffDelay(this.failures++, this.opts.backoff);
    const line = `${this.label}: ${reason}; reconnecting in ${(ms / 1000).toFixed(3)} s`;
    if (reason === this.lastReason) this.log.debug(line);
    else this.log[level](line);
    this.lastReason = reason;
    await sleep(ms, this.abort.signal);
  }

  /** One client up to its first CONNACK; on success it stays, and reconnect() brings it back after each loss. */
  private async attempt(): Promise<Outcome> {
    // MQTT.js is loaded at the first connect: an instance on an AMQP broker never loads it (8-9 MB of RSS)
    const { connect } = await import('mqtt');
    if (this.closing) throw new AbortedError('closed');
    const client = connect(this.clientOptions());
    this.client = client;
    return new Promise((resolve) => {
      let settled = false;
      let connected = false;
      let lastError: Error | undefined;
      const fail = (r: Outcome): void => {
        if (settled) return;
        settled = true;
        client.end(true);
        resolve(r);
      };
      client.on('connect', (ack) => {
        const generation = ++this.generation;
        this.connectedSince = Date.now();
        this.failures = 0;
        this.lastReason = undefined;
        lastError = undefined;
        this.log.info(`connected to ${this.label} (MQTT ${this.protocolVersion === 5 ? '5' : '3.1.1'}), generation ${generation}, session ${ack.sessionPresent ? 'resumed' : 'new'}`);
        settled = true;
        connected = true;
        this.hooks.connected(generation, ack.sessionPresent);
        resolve('connected');
      });
      // a new attempt of this client: what failed the last one is not its reason
      client.on('reconnect', () => (lastError = undefined));
      client.on('error', (err: Error & { code?: number | string }) => {
        lastError = err;
        if (typeof err.code === 'number' && REFUSED.has(err.code)) {
          lastError = new BrokerRefusedError(403, this.address.username ?? '', this.label, { cause: err });
          fail(lastError);
        } else if (typeof err.code === 'number' && VERSION_REFUSED.has(err.code)) {
          fail('version-refused');
        } else if (!settled) {
          this.log.debug(`${this.label}: ${describeError(err)}`);
        }
      });
      client.on('close', () => {
        let lost = false;
        if (this.connectedSince !== undefined) {
          this.connectedTotal += Date.now() - this.connectedSince;
          this.connectedSince = undefined;
          if (!this.closing) {
            this.disconnects++;
            lost = true;
            // every loss is an event an operator greps for (the AMQP side logs the same line)
            this.log.warning(`${this.label}: connection lost; reconnecting`);
            this.lastReason = 'connection lost';
          }
          this.hooks.lost(this.generation);
        }
        if (!settled) {
          fail(lastError ?? 'closed');
          return;
        }
        if (connected && !this.closing && this.client === client) void this.reconnect(client, lost ? undefined : lastError);
      });
    });
  }

  /** After a loss or a failed reconnect: back off, then connect the same client again (its unacked publishes kept). */
  private async reconnect(client: MqttClient, err: Error | undefined): Promise<void> {
    try {
      await this.backOff(err ? describeError(err) : 'connection lost', err instanceof BrokerRefusedError ? 'error' : 'warning');
    } catch {
      return; // closed while waiting
    }
    if (this.closing || this.client !== client) return;
    client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
  }

  private clientOptions(): IClientOptions {
    const o = this.opts;
    const a = this.address;
    const v5 = this.protocolVersion === 5;
    const props: NonNullable<IClientOptions['properties']> = {};
    if (o.sessionExpirySec) props.sessionExpiryInterval = o.sessionExpirySec;
    if (o.receiveMaximum) props.receiveMaximum = Math.min(65535, Math.max(1, o.receiveMaximum));
    return {
      protocol: a.protocol,
      host: a.hostname,
      port: a.port,
      ...(a.username !== undefined ? { username: a.username } : {}),
      ...(a.password !== undefined ? { password: a.password } : {}),
      clientId: o.clientId,
      protocolVersion: this.protocolVersion,
      clean: o.clean,
      keepalive: o.heartbeat ?? 30,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      // the session reconnects with back-off itself (reconnect()); MQTT.js's is a fixed period
      reconnectPeriod: 0,
      // the consumer subscribes again itself after every reconnect
      resubscribe: false,
      ...(v5 && Object.keys(props).length ? { properties: props } : {}),
      ...(a.protocol === 'mqtts' ? { ...tlsOptions(o.tlsRigour), servername: a.hostname } : {}),
    } as IClientOptions;
  }

  /** Stops reconnecting and disconnects; unacked QoS 1 messages stay with the broker's session. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.abort.abort();
    if (this.startedAt !== undefined) this.stoppedAt = Date.now();
    const c = this.client;
    if (!c) return;
    await new Promise<void>((r) => c.end(false, {}, () => r()));
    if (this.connectedSince !== undefined) {
      this.connectedTotal += Date.now() - this.connectedSince;
      this.connectedSince = undefined;
      this.hooks.lost(this.generation);
    }
  }
}
