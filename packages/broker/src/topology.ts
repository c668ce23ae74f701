// Exchanges, queues and bindings: declared on every (re)connect and by `sr declare`, removed by `sr cleanup`.
import type { Channel, ChannelModel, Options } from 'amqplib';
import { describeError, Logger, TransientError } from '@sarra/common';
import { closeQuietly, openConnection, type ConnectOptions } from './connection.js';
import type { Binding, QueueSpec } from './types.js';

/**
 * assertQueue options for a QueueSpec: durable and not auto-delete unless said otherwise (sr3 defaults). Quorum and
 * stream queues must be durable and may not auto-delete (RabbitMQ refuses them with 406 otherwise); a stream takes
 * neither x-expires nor x-message-ttl (406 too): it never expires, and keeps messages messageTtl long (x-max-age).
 */
export function queueOptions(spec: QueueSpec): Options.AssertQueue {
  const args: Record<string, unknown> = {};
  const type = spec.type ?? 'classic';
  if (type === 'stream') {
    if (spec.messageTtl && spec.messageTtl > 0) args['x-max-age'] = `${Math.max(1, Math.ceil(spec.messageTtl / 1000))}s`;
  } else {
    if (spec.expires && spec.expires > 0) args['x-expires'] = Math.round(spec.expires);
    if (spec.messageTtl && spec.messageTtl > 0) args['x-message-ttl'] = Math.round(spec.messageTtl);
  }
  // a classic queue is declared without the argument, as before: an existing one is not "inequivalent"
  if (type !== 'classic') args['x-queue-type'] = type;
  const replicated = type !== 'classic';
  return {
    durable: replicated ? true : (spec.durable ?? true),
    autoDelete: replicated ? false : (spec.autoDelete ?? false),
    arguments: args,
  };
}

/** Names the broker reserves (the default exchange '' and amq.*): never declared nor deleted. */
function reserved(exchange: string): boolean {
  return exchange === '' || exchange.startsWith('amq.');
}

/**
 * Runs `op` on a throwaway channel so that a channel-closing error (404, 406, 403) cannot take down
 * the channel that carries deliveries. Errors are rethrown as TransientError with `what` in the message.
 */
export async function onScratchChannel<T>(model: ChannelModel, what: string, op: (ch: Channel) => Promise<T>): Promise<T> {
  const ch = await model.createChannel();
  ch.on('error', () => {}); // the rejection below reports it; a channel error must not become an uncaught 'error'
  try {
    return await op(ch);
  } catch (err) {
    throw new TransientError(`${what}: ${describeError(err)}`, { code: 'ERR_BROKER_TOPOLOGY', cause: err });
  } finally {
    await ch.close().catch(() => {});
  }
}

/** The AMQP reply code of an amqplib channel error, if any (404 not found, 406 precondition failed, 403 access refused). */
function replyCode(err: unknown): number | undefined {
  let e: unknown = err;
  for (let i = 0; i < 3 && e; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Declares durable topic exchanges (idempotent). One that exists with other properties (406), or that this
 *  user may not declare (403), is used as it is if it exists (TransientError if it does not). */
export async function declareExchanges(model: ChannelModel, exchanges: readonly string[], log: Logger): Promise<void> {
  for (const x of exchanges) {
    if (reserved(x)) continue;
    try {
      await onScratchChannel(model, `declare exchange ${x}`, (ch) => ch.assertExchange(x, 'topic', { durable: true, autoDelete: false }));
      log.debug(`exchange declared: ${x}`);
    } catch (err) {
      // 406: declared non-durable by someone else; 403: a subscriber may not configure exchanges (COMPAT §1 roles).
      // Either way use the exchange if it exists rather than loop on the error.
      const code = replyCode(err);
      if (code !== 406 && code !== 403) throw err;
      log.warning(`exchange ${x} ${code === 406 ? 'exists with other properties' : 'may not be declared by this user'}; using it as is: ${describeError(err)}`);
      await onScratchChannel(model, `check exchange ${x}`, (ch) => ch.checkExchange(x));
    }
  }
}

/**
 * Declares the queue. If it already exists with different arguments (406 PRECONDITION_FAILED, e.g. after
 * changing `expire`), the existing queue is used as is and a warning says how to apply the new arguments.
 */
export async function declareQueue(model: ChannelModel, spec: QueueSpec, log: Logger): Promise<void> {
  try {
    await onScratchChannel(model, `declare queue ${spec.name}`, (ch) => ch.assertQueue(spec.name, queueOptions(spec)));
    log.debug(`queue declared: ${spec.name}`);
  } catch (err) {
    if (replyCode(err) !== 406) throw err;
    log.warning(
      `queue ${spec.name} exists with other arguments; using it as is (run cleanup then declare to apply the new ones): ${describeError(err)}`,
    );
    await onScratchChannel(model, `check queue ${spec.name}`, (ch) => ch.checkQueue(spec.name));
  }
}

/** Binds the queue to each (exchange, key). */
export async function bindQueue(model: ChannelModel, queue: string, bindings: readonly Binding[], log: Logger): Promise<void> {
  if (bindings.length === 0) return;
  await onScratchChannel(model, `bind queue ${queue}`, async (ch) => {
    for (const b of bindings) {
      await ch.bindQueue(queue, b.exchange, b.key);
      log.debug(`bound ${queue} to ${b.exchange} with ${b.key}`);
    }
  });
}

/**
 * `sr declare`: one connection attempt (no retry), declares exchanges, then the queue and its bindings.
 * Idempotent. Throws TransientError (code ERR_BROKER_CONNECT or ERR_BROKER_TOPOLOGY) on failure.
 */
export async function declareTopology(
  opts: ConnectOptions & { exchanges: string[]; queue?: QueueSpec; bindings?: Binding[] },
): Promise<void> {
  const log = opts.logger ?? Logger.silent();
  const model = await openConnection({ ...opts, connectionName: opts.connectionName ?? 'sarra-ts declare' });
  try {
    await declareExchanges(model, opts.exchanges, log);
    if (opts.queue) {
      await declareQueue(model, opts.queue, log);
      await bindQueue(model, opts.queue.name, opts.bindings ?? [], log);
    }
  } finally {
    await closeQuietly(model);
  }
}

/**
 * `sr cleanup`: deletes the queue (with any messages in it) and the exchanges given. Deleting what
 * does not exist is not an error. With `ifUnused`, an exchange that is the source of a binding (a queue or
 * exchange of anyone's still reads it) is kept: the broker refuses (406) and it is returned in `kept`.
 * Throws TransientError on connection or permission failure.
 */
export async function cleanupTopology(opts: ConnectOptions & { exchanges?: string[]; queue?: string; ifUnused?: boolean }): Promise<{ kept: string[] }> {
  const log = opts.logger ?? Logger.silent();
  const kept: string[] = [];
  const model = await openConnection({ ...opts, connectionName: opts.connectionName ?? 'sarra-ts cleanup' });
  try {
    if (opts.queue) {
      const q = opts.queue;
      await onScratchChannel(model, `delete queue ${q}`, (ch) => ch.deleteQueue(q));
      log.info(`queue deleted: ${q}`);
    }
    for (const x of opts.exchanges ?? []) {
      if (reserved(x)) continue;
      try {
        await onScratchChannel(model, `delete exchange ${x}`, (ch) => ch.deleteExchange(x, { ifUnused: !!opts.ifUnused }));
        log.info(`exchange deleted: ${x}`);
      } catch (err: unknown) {
        if (!opts.ifUnused || replyCode(err) !== 406) throw err;
        kept.push(x);
      }
    }
  } finally {
    await closeQuietly(model);
  }
  return { kept };
}
