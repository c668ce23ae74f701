// A self-healing MQTT client: MQTT 5 with 3.1.1 fallback, reconnects by itself, counts generations and connected time.
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
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

/** The parts of an `mqtt[s]://user:password@host[:port]` URL; the path is not used (MQTT has no vhost). */
function parseMqttUrl(url: string): { protocol: 'mqtt' | 'mqtts'; hostname: string; port: number; username?: string; password?: string } {
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

/**
 * Owns one MQTT.js client. The first connect tries MQTT 5 and falls back to 3.1.1 when the broker drops a v5 CONNECT
 * (RabbitMQ before 3.13 does); after that MQTT.js reconnects by itself with the back-off's base period. Each CONNACK
 * starts a new `generation`: a PUBACK owed to an older one is never sent (the broker redelivers that message).
 */
export class MqttSession {
  client: MqttClient | undefined;
  generation = 0;
  /** 5 or 4 (3.1.1), known after start(). */
  protocolVersion: 4 | 5 = 5;
  disconnects = 0;
  readonly label: string;
  private readonly log: Logger;
  private connectedSince: number | undefined;
  private connectedTotal = 0;
  private startedAt: number | undefined;
  private stoppedAt: number | undefined;
  private closing = false;
  /** Ends a connect back-off when close() comes. */
  private readonly abort = new AbortController();

  constructor(
    private readonly opts: MqttSessionOptions,
    private readonly hooks: { connected(generation: number, sessionPresent: boolean): void; lost(generation: number): void },
  ) {
    this.log = opts.logger ?? Logger.silent();
    const a = parseMqttUrl(opts.url);
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
    for (let attempt = 0; ; attempt++) {
      if (this.closing) throw new AbortedError('closed');
      const outcome = await this.attempt();
      if (outcome === 'connected') return;
      if (outcome === 'v5-dropped' && this.protocolVersion === 5) {
        this.log.info(`${this.label}: MQTT 5 not accepted; using MQTT 3.1.1`);
        this.protocolVersion = 4;
        continue;
      }
      if (outcome instanceof BrokerRefusedError && !this.opts.retryRefused) throw outcome;
      const ms = backoffDelay(attempt, this.opts.backoff);
      this.log.warning(`${this.label}: connect failed (${outcome instanceof Error ? describeError(outcome) : outcome}); retrying in ${(ms / 1000).toFixed(1)} s`);
      await sleep(ms, this.abort.signal);
    }
  }

  /** One client up to its first CONNACK; on success it stays, reconnecting by itself. */
  private attempt(): Promise<'connected' | 'v5-dropped' | Error> {
    const client = connect(this.clientOptions());
    this.client = client;
    return new Promise((resolve) => {
      let settled = false;
      let lastError: Error | undefined;
      const fail = (r: 'v5-dropped' | Error): void => {
        if (settled) return;
        settled = true;
        client.end(true);
        resolve(r);
      };
      client.on('connect', (ack) => {
        const generation = ++this.generation;
        this.connectedSince = Date.now();
        this.log.info(`connected to ${this.label} (MQTT ${this.protocolVersion === 5 ? '5' : '3.1.1'}), generation ${generation}, session ${ack.sessionPresent ? 'resumed' : 'new'}`);
        settled = true;
        this.hooks.connected(generation, ack.sessionPresent);
        resolve('connected');
      });
      client.on('error', (err: Error & { code?: number | string }) => {
        lastError = err;
        if (typeof err.code === 'number' && REFUSED.has(err.code)) {
          const user = parseMqttUrl(this.opts.url).username ?? '';
          const refused = new BrokerRefusedError(403, user, this.label, { cause: err });
          if (!settled) fail(refused);
          else this.log.error(describeError(refused));
          return;
        }
        this.log.warning(`${this.label}: ${describeError(err)}`);
      });
      client.on('close', () => {
        if (this.connectedSince !== undefined) {
          this.connectedTotal += Date.now() - this.connectedSince;
          this.connectedSince = undefined;
          if (!this.closing) {
            this.disconnects++;
            this.log.warning(`${this.label}: connection lost; reconnecting`);
          }
          this.hooks.lost(this.generation);
        }
        // a v5 CONNECT the broker closes without a CONNACK: it does not speak MQTT 5
        if (!settled) fail(lastError ?? (this.protocolVersion === 5 ? 'v5-dropped' : new Error('connection closed before CONNACK')));
      });
    });
  }

  private clientOptions(): IClientOptions {
    const o = this.opts;
    const a = parseMqttUrl(o.url);
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
      reconnectPeriod: (o.backoff?.base ?? 1) * 1000,
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
