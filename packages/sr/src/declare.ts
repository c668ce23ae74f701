// `sr declare` / `sr cleanup`: exchanges on the post side, queue and bindings on the subscribe side, state files.
import { readFile, readdir, rm } from 'node:fs/promises';
import { describeError, metricsDir, stateDir, withCredentials, type Env } from '@sarra/common';
import { brokerProtocol, cleanupMqttSessions, cleanupTopology, declareMqttSessions, declareTopology, explainRefusal, type Binding } from '@sarra/broker';
import { CONSUMERS, postExchanges, subscribeBindings, subscribeExchange, type Options } from '@sarra/config';
import { resolveQueueName, queueNameFile, queueSpecOf } from '@sarra/flow';
import type { Say } from './supervisor.js';

/** The broker URL of an option with its password filled in from credentials.conf. */
function withPassword(o: Options, url: string | undefined): string | undefined {
  return url ? withCredentials(o, url) : undefined;
}

/** True for components that consume a broker queue. */
function consumes(o: Options): boolean {
  return CONSUMERS.includes(o.component) && !!o.broker;
}

/** Declares what one configuration uses: post-side exchanges, then (consumers) the subscribe exchange, queue and bindings. */
export async function declareConfig(o: Options, say: Say, env: Env = process.env): Promise<void> {
  const name = `${o.component}/${o.config}`;
  const postUrl = withPassword(o, o.post_broker);
  // MQTT topics need no declaration
  if (postUrl && o.exchangeDeclare !== false && brokerProtocol(postUrl) === 'amqp') {
    const xs = postExchanges(o);
    await declareTopology({ url: postUrl, exchanges: xs, connectTimeoutMs: 10_000, tlsRigour: o.tlsRigour });
    say(`${name}: declared exchange(s) ${xs.join(' ')}`);
  }
  const url = withPassword(o, o.broker);
  if (url && consumes(o)) {
    const qname = await resolveQueueName(o, stateDir(o.component, o.config, env), 1);
    const bindings: Binding[] = subscribeBindings(o);
    if (brokerProtocol(url) === 'mqtt') {
      await declareMqttSessions({ url, queue: queueSpecOf(o, qname), bindings, prefetch: o.prefetch, qos: o.qos, tlsRigour: o.tlsRigour }, o.instances);
      say(`${name}: declared the MQTT session(s) of ${qname} subscribed to ${bindings.map((b) => `${b.exchange}/${b.key}`).join(' ') || '(none)'}`);
      return;
    }
    const exchanges = o.exchangeDeclare !== false ? subscribeExchangesOf(o) : [];
    await declareTopology({ url, exchanges, queue: queueSpecOf(o, qname), bindings, tlsRigour: o.tlsRigour });
    say(`${name}: declared queue ${qname} bound to ${bindings.map((b) => `${b.exchange}:${b.key}`).join(' ') || '(none)'}`);
  }
}

/**
 * `sr cleanup`, first step: deletes a configuration's queue (its state files go last, removeStateFiles). The exchanges it reads from are never deleted (a pump's xpublic is shared by every
 * subscriber, and by posters AMQP cannot show), as in sr3.
 */
export async function cleanupQueue(o: Options, say: Say, env: Env): Promise<void> {
  const name = `${o.component}/${o.config}`;
  const url = withPassword(o, o.broker);
  if (url && consumes(o)) {
    const qname = await readQueueName(o, env);
    if (brokerProtocol(url) === 'mqtt') {
      if (qname) await cleanupMqttSessions({ url, tlsRigour: o.tlsRigour }, qname, o.instances);
    } else await cleanupTopology({ url, queue: qname, tlsRigour: o.tlsRigour });
    say(`${name}: deleted queue ${qname ?? '(none recorded)'}`);
  }
}

/**
 * `sr cleanup`, second step (after every selected queue is gone): deletes the exchanges a configuration posts
 * to, when unused: named by no other configuration (`usedElsewhere`), and deleted if-unused, so a queue any
 * client still binds to one keeps it. Says which it kept and why.
 */
export async function cleanupPostExchanges(o: Options, say: Say, usedElsewhere: ReadonlySet<string>): Promise<void> {
  const name = `${o.component}/${o.config}`;
  const postUrl = withPassword(o, o.post_broker);
  if (!postUrl || brokerProtocol(postUrl) === 'mqtt') return;
  const mine = postExchanges(o);
  const shared = mine.filter((x) => usedElsewhere.has(x));
  const { kept } = await cleanupTopology({ url: postUrl, exchanges: mine.filter((x) => !shared.includes(x)), ifUnused: true, tlsRigour: o.tlsRigour });
  const deleted = mine.filter((x) => !shared.includes(x) && !kept.includes(x));
  if (deleted.length) say(`${name}: deleted exchange(s) ${deleted.join(' ')}`);
  if (shared.length) say(`${name}: kept exchange(s) ${shared.join(' ')} (another configuration uses it)`);
  if (kept.length) say(`${name}: kept exchange(s) ${kept.join(' ')} (in use: a queue is bound to it)`);
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

/** `sr cleanup`, last step: the state directory contents (queue name, caches, retry queues) except pid files and the disabled marker, and the metrics files. */
export async function removeStateFiles(o: Options, env: Env): Promise<void> {
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
      // a refused login says where the password came from (credentials.conf), as the instances do
      failures.push(`${o.component}/${o.config}: ${explainRefusal(err, o.credentials) ?? describeError(err)}`);
    }
  }
  return failures;
}
