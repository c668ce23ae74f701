// `sr declare` / `sr cleanup`: exchanges on the post side, queue and bindings on the subscribe side, state files.
import { readFile, readdir, rm } from 'node:fs/promises';
import { describeError, metricsDir, stateDir, type Env } from '@sarra/common';
import { cleanupTopology, declareTopology, type Binding } from '@sarra/broker';
import { CONSUMERS, postExchanges, subscribeBindings, subscribeExchange, type Options } from '@sarra/config';
import { resolveQueueName, queueNameFile, queueSpecOf } from '@sarra/flow';
import type { Say } from './supervisor.js';

/** The broker URL of an option with its password filled in from credentials.conf. */
export function withPassword(o: Options, url: string | undefined): string | undefined {
  if (!url) return undefined;
  return o.credentials?.lookup(url)?.url ?? url;
}

/** True for components that consume a broker queue. */
export function consumes(o: Options): boolean {
  return CONSUMERS.includes(o.component) && !!o.broker;
}

/** Declares what one configuration uses: post-side exchanges, then (consumers) the subscribe exchange, queue and bindings. */
export async function declareConfig(o: Options, say: Say, env: Env = process.env): Promise<void> {
  const name = `${o.component}/${o.config}`;
  const postUrl = withPassword(o, o.post_broker);
  if (postUrl && o.exchangeDeclare !== false) {
    const xs = postExchanges(o);
    await declareTopology({ url: postUrl, exchanges: xs, connectTimeoutMs: 10_000, tlsRigour: o.tlsRigour });
    say(`${name}: declared exchange(s) ${xs.join(' ')}`);
  }
  const url = withPassword(o, o.broker);
  if (url && consumes(o)) {
    const qname = await resolveQueueName(o, stateDir(o.component, o.config, env), 1);
    const bindings: Binding[] = subscribeBindings(o);
    const exchanges = o.exchangeDeclare !== false ? subscribeExchangesOf(o) : [];
    await declareTopology({ url, exchanges, queue: queueSpecOf(o, qname), bindings, tlsRigour: o.tlsRigour });
    say(`${name}: declared queue ${qname} bound to ${bindings.map((b) => `${b.exchange}:${b.key}`).join(' ') || '(none)'}`);
  }
}

/**
 * Removes what one configuration declared: its queue, its post-side exchanges, the subscribe exchange when
 * `ownsSubscribeExchange` (no other configuration uses it), and its state files (queue name, caches, retry queues, metrics).
 */
export async function cleanupConfig(o: Options, say: Say, opts: { ownsSubscribeExchange: boolean; env: Env }): Promise<void> {
  const name = `${o.component}/${o.config}`;
  const url = withPassword(o, o.broker);
  if (url && consumes(o)) {
    const qname = await readQueueName(o, opts.env);
    const xs = opts.ownsSubscribeExchange ? subscribeExchangesOf(o) : [];
    await cleanupTopology({ url, queue: qname, exchanges: xs, tlsRigour: o.tlsRigour });
    say(`${name}: deleted queue ${qname ?? '(none recorded)'}${xs.length ? ` and exchange(s) ${xs.join(' ')}` : ''}`);
  }
  const postUrl = withPassword(o, o.post_broker);
  if (postUrl) {
    const xs = postExchanges(o);
    await cleanupTopology({ url: postUrl, exchanges: xs, tlsRigour: o.tlsRigour });
    say(`${name}: deleted exchange(s) ${xs.join(' ')}`);
  }
  await removeStateFiles(o, opts.env);
}

/** Exchanges a consuming configuration binds to. */
export function subscribeExchangesOf(o: Options): string[] {
  return consumes(o) ? [...new Set([subscribeExchange(o), ...subscribeBindings(o).map((b) => b.exchange)])] : [];
}

/** The persisted queue name (or `queueName`), without creating one. */
async function readQueueName(o: Options, env: Env): Promise<string | undefined> {
  if (o.queueName) return o.queueName;
  try {
    return (await readFile(queueNameFile(o, stateDir(o.component, o.config, env)), 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Deletes the state directory contents except pid files and the disabled marker, and the metrics files. */
async function removeStateFiles(o: Options, env: Env): Promise<void> {
  const dir = stateDir(o.component, o.config, env);
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => !n.endsWith('.pid') && n !== 'disabled').map((n) => rm(`${dir}/${n}`, { recursive: true, force: true })));
  const mdir = metricsDir(env);
  const prefix = `${o.component}_${o.config}_`;
  const metrics = await readdir(mdir).catch(() => [] as string[]);
  await Promise.all(metrics.filter((n) => n.startsWith(prefix)).map((n) => rm(`${mdir}/${n}`, { force: true })));
}

/** Runs `fn` for each configuration, collecting failures as lines instead of stopping at the first. */
export async function eachConfig(opts: Options[], fn: (o: Options) => Promise<void>): Promise<string[]> {
  const failures: string[] = [];
  for (const o of opts) {
    try {
      await fn(o);
    } catch (err: unknown) {
      failures.push(`${o.component}/${o.config}: ${describeError(err)}`);
    }
  }
  return failures;
}
