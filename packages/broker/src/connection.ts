// Opening AMQP connections: URL parsing (one host or a cluster's host list), heartbeat, connection name, back-off
// with jitter, abortable retries.
import { connect, type ChannelModel } from 'amqplib';
import { coalesceWrites } from './coalesce.js';
import { FRAME_MAX, limitFrames, maxPayload } from './frame-limit.js';
import { BrokerRefusedError, refusalCode } from './refused.js';
import { ConfigError, SarraError, TransientError, describeError, redact, splitHostList, tlsOptions, Logger } from '@sarra/common';

/** How to reach the broker. Shared by Consumer, Publisher and the topology functions. */
export interface ConnectOptions {
  /** amqp:// or amqps:// URL, password already filled in; the path is the vhost (URL-decoded, empty = '/'). The
   *  authority may list several nodes of one cluster, `amqp://user:pw@h1:5673,h2:5674,h3/vhost`: they are tried
   *  in turn on connect and reconnect (see connectWithRetry). */
  url: string;
  /** AMQP heartbeat in seconds; 0 disables it (sr3's default, which lets dead connections linger). @default 30 */
  heartbeat?: number;
  /** Where connection events go. Passwords are always redacted. @default Logger.silent() */
  logger?: Logger;
  /** Aborting stops every retry and closes the connection. */
  signal?: AbortSignal;
  /** Reconnect back-off in seconds: base * 2^attempt capped at max, with jitter. @default { base: 1, max: 64 } */
  backoff?: { base: number; max: number };
  /** Shown in the RabbitMQ management UI (client property `connection_name`). */
  connectionName?: string;
  /** Give up one connection attempt (TCP + AMQP handshake) after this many ms; a Consumer's or Publisher's setup on
   *  the new connection (channel, declares, binds, qos, consume) gets as long again. @default 10000 */
  connectTimeoutMs?: number;
  /** amqps: how the broker's certificate is checked (sr3 `tlsRigour`: lax, normal, strict; see tlsOptions). @default 'normal' */
  tlsRigour?: string;
  /** Keep retrying when the broker refuses the login (403) or the vhost (530), as after a password change on a pump
   *  that was connected; off: connectWithRetry throws BrokerRefusedError at once. @default false */
  retryRefused?: boolean;
}

/** The parts of a broker URL, decoded. */
export interface BrokerAddress {
  protocol: 'amqp' | 'amqps';
  hostname: string;
  port: number;
  username: string;
  password: string;
  vhost: string;
}

/** Parses `amqp[s]://user:password@host[:port][/vhost]`. Throws ConfigError (password redacted) when malformed
 *  or when it names several hosts (see brokerAddresses). */
export function parseBrokerUrl(url: string): BrokerAddress {
  const u = brokerUrlParts(url, 'amqp', 'amqps', 5672, 5671);
  const path = u.path.replace(/^\//, '');
  return {
    protocol: u.protocol as 'amqp' | 'amqps',
    hostname: u.hostname,
    port: u.port,
    // sr3 URLs with no user name connect as anonymous only if given; amqplib's default is guest/guest
    username: u.username || u.password ? u.username : 'guest',
    password: u.username || u.password ? u.password : 'guest',
    vhost: path === '' ? '/' : decodeLax(path),
  };
}

/** A percent-decoded URL part, or the part as it is when it does not decode. */
function decodeLax(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The parts of a broker URL whose scheme is `plain` or `tls` (amqp/amqps, mqtt/mqtts): host without IPv6 brackets,
 * port (the scheme's default when absent), user and password decoded ('' when absent), the raw path. Throws
 * ConfigError, password redacted, when it does not parse, has another scheme or no host.
 */
export function brokerUrlParts(url: string, plain: string, tls: string, plainPort: number, tlsPort: number):
  { protocol: string; hostname: string; port: number; username: string; password: string; path: string } {
  if (splitHostList(url).length > 1) throw new ConfigError(`broker URL ${redact(url)}: several hosts where one is needed`);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // the URL TypeError is not kept as cause: it carries the input, password included
    throw new ConfigError(`invalid broker URL ${redact(url)}`);
  }
  const protocol = u.protocol.replace(/:$/, '');
  if (protocol !== plain && protocol !== tls) {
    throw new ConfigError(`broker URL ${redact(url)}: scheme must be ${plain} or ${tls}, not ${protocol}`);
  }
  if (!u.hostname) throw new ConfigError(`broker URL ${redact(url)}: no host`);
  return {
    protocol,
    hostname: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : protocol === plain ? plainPort : tlsPort,
    username: decodeLax(u.username),
    password: decodeLax(u.password),
    path: u.pathname,
  };
}

/** The nodes of a broker URL, in the order written: one for a single host, several for `h1:p1,h2:p2,...`. Throws
 *  ConfigError naming the URL (password redacted) if any entry is malformed. */
export function brokerAddresses(url: string): BrokerAddress[] {
  return splitHostList(url).map(parseBrokerUrl);
}

/** `host:port` of a node, as logs and `sr status` show it (an IPv6 address in brackets). */
export function nodeName(a: BrokerAddress): string {
  return `${a.hostname.includes(':') ? `[${a.hostname}]` : a.hostname}:${a.port}`;
}

/** An open connection and the node of the URL's host list it is on. */
export interface Connected {
  model: ChannelModel;
  /** Index of the node in the host list (0 for a single host). */
  node: number;
  address: BrokerAddress;
}

/**
 * Delay before reconnect attempt `attempt` (0-based), in ms: the cap min(max, base*2^attempt) seconds,
 * jittered uniformly into [cap/2, cap] so that many instances cut off together do not all come back at once.
 * `random` is injectable for tests.
 */
export function backoffDelay(attempt: number, backoff = { base: 1, max: 64 }, random: () => number = Math.random): number {
  const exp = Math.min(Math.max(attempt, 0), 30);
  const cap = Math.min(backoff.max, backoff.base * 2 ** exp);
  return Math.round(cap * 1000 * (1 - random() / 2));
}

/** The error an abort produces: not a failure, a request to stop. */
export class AbortedError extends SarraError {
  constructor(what = 'aborted') {
    super('ERR_ABORTED', what);
  }
}

/** Sleeps `ms`, rejecting with AbortedError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * One connection attempt on each node of the URL's host list in turn, from node `from` (modulo their number), until
 * one answers. The returned connection already has 'error', 'blocked' and 'unblocked' listeners (logging); callers
 * add their own 'close' handling. Throws BrokerRefusedError as soon as a node refuses the login or the vhost (the
 * nodes of a cluster share users and vhosts), TransientError (the last node's) if none can be reached, AbortedError
 * if `signal` aborts first.
 */
export async function openAnyNode(opts: ConnectOptions, from = 0): Promise<Connected> {
  const nodes = brokerAddresses(opts.url);
  const log = opts.logger ?? Logger.silent();
  for (let k = 0; ; k++) {
    const node = (from + k) % nodes.length;
    const address = nodes[node]!;
    try {
      return { model: await openNode(opts, address), node, address };
    } catch (err) {
      if (k === nodes.length - 1 || !(err instanceof TransientError)) throw err;
      log.warning(`${describeError(err)}; trying the next node`);
    }
  }
}

/** openAnyNode from the first node, for callers that need no more than the connection (sr declare, cleanup). */
export async function openConnection(opts: ConnectOptions): Promise<ChannelModel> {
  return (await openAnyNode(opts)).model;
}

async function openNode(opts: ConnectOptions, a: BrokerAddress): Promise<ChannelModel> {
  const log = opts.logger ?? Logger.silent();
  if (opts.signal?.aborted) throw new AbortedError();
  const where = `${a.protocol}://${a.username}@${nodeName(a)}/${encodeURIComponent(a.vhost)}`;
  let model: ChannelModel;
  try {
    const pending = connect(
      {
        protocol: a.protocol,
        hostname: a.hostname,
        port: a.port,
        username: a.username,
        password: a.password,
        vhost: a.vhost,
        heartbeat: opts.heartbeat ?? 30,
        frameMax: FRAME_MAX,
        // without it amqplib takes frames up to 64 MiB whatever was negotiated (lowered to that by limitFrames)
        maxFrameSize: maxPayload(FRAME_MAX),
      },
      {
        clientProperties: { connection_name: opts.connectionName ?? 'sarra-ts' },
        timeout: opts.connectTimeoutMs ?? 10_000,
        noDelay: true,
        // amqplib hands these to tls.connect for amqps (plain amqp ignores them)
        ...(a.protocol === 'amqps' ? tlsOptions(opts.tlsRigour) : {}),
      },
    );
    model = await raceAbort(pending, opts.signal);
  } catch (err) {
    if (err instanceof AbortedError) throw err;
    const refused = refusalCode(err);
    if (refused) throw new BrokerRefusedError(refused, a.username, where, { cause: err });
    // amqplib's messages may quote the URL: redact before they reach any log
    throw new TransientError(`cannot connect to ${where}: ${redact(describeError(err))}`, {
      code: 'ERR_BROKER_CONNECT',
      cause: err,
    });
  }
  coalesceWrites(model);
  limitFrames(model);
  model.on('error', (err: Error) => log.warning(`broker ${where}: connection error: ${describeError(err)}`));
  model.on('blocked', (reason: string) => log.warning(`broker ${where}: blocked by the broker (${reason}); publishes wait`));
  model.on('unblocked', () => log.info(`broker ${where}: unblocked`));
  model.on('close', (err?: Error) => log.debug(`broker ${where}: connection closed${err ? `: ${describeError(err)}` : ''}`));
  return model;
}

/** Resolves with `p`, or rejects with AbortedError on abort (closing whatever `p` later yields). */
function raceAbort(p: Promise<ChannelModel>, signal?: AbortSignal): Promise<ChannelModel> {
  if (!signal) return p;
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(new AbortedError());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (m) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) {
          m.on('error', () => {});
          m.close().catch(() => {});
          return;
        }
        resolve(m);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/**
 * Connects, retrying forever with back-off (attempt 0 waits base seconds, then 2*base ... max), each
 * failure logged as a warning with the password redacted. An attempt tries every node of a host list once, from
 * node `from`; the back-off comes after a whole round failed. Rejects with AbortedError, ConfigError, or
 * BrokerRefusedError when the broker refuses the login or vhost (unless `retryRefused`).
 * `onFailure` is told of each failed attempt (for stats).
 */
export async function connectWithRetry(opts: ConnectOptions, onFailure?: (err: unknown) => void, from = 0): Promise<Connected> {
  const log = opts.logger ?? Logger.silent();
  for (let attempt = 0; ; attempt++) {
    try {
      return await openAnyNode(opts, from);
    } catch (err) {
      if (err instanceof AbortedError || opts.signal?.aborted) throw new AbortedError();
      if (err instanceof ConfigError) throw err;
      if (err instanceof BrokerRefusedError && !opts.retryRefused) throw err;
      onFailure?.(err);
      const ms = backoffDelay(attempt, opts.backoff);
      log.warning(`${describeError(err)}; retrying in ${(ms / 1000).toFixed(1)} s`);
      await sleep(ms, opts.signal);
    }
  }
}

/** How long a close waits for the broker's answer (connection.close-ok, a Consumer's basic.cancel-ok) before giving up. */
export const CLOSE_WAIT_MS = 1000;

/** True if `p` settles (either way) within `ms`. */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Closes a connection, ignoring errors (it may already be gone). A broker that does not answer connection.close
 * within `waitMs` has the socket destroyed: deliveries left unacked go back to their queue all the same, when the
 * broker sees the TCP connection end (or its heartbeat time out).
 */
export async function closeQuietly(model: ChannelModel | undefined, waitMs = CLOSE_WAIT_MS): Promise<void> {
  if (!model) return;
  if (await settlesWithin(model.close(), waitMs)) return;
  // amqplib watches its socket's 'error', not its 'close': destroyed with an error, it closes the connection
  // (heartbeat timers, channels) and emits 'close' with that error, which the owner logs
  const stream = (model as unknown as { connection?: { stream?: { destroy(err?: Error): void } } }).connection?.stream;
  stream?.destroy(new Error(`no answer to connection.close within ${waitMs} ms; socket dropped`));
}
