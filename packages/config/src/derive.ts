// Derived broker names (COMPAT §1 "Default exchanges and queues"): exchanges, queue name, binding keys.
import { hostname, userInfo } from 'node:os';
import { urlUser } from './parse.js';
import type { Options } from './types.js';

/** User name in a broker URL (`amqp://bunny@host` -> `bunny`); undefined without one. */
export function brokerUser(url?: string): string | undefined {
  return urlUser(url);
}

/** Default subscribe exchange without an explicit `exchange`: xpublic for anonymous, else xs_<user>[_suffix]. */
export function defaultExchange(user: string | undefined, suffix?: string): string {
  if (!user || user === 'anonymous') return suffix ? `xpublic_${suffix}` : 'xpublic';
  return `xs_${user}${suffix ? `_${suffix}` : ''}`;
}

/**
 * Exchange the queue binds to: `exchange` (already defaulted by the loader), plus the two-digit
 * instance number when `exchangeSplit` is set and an instance is given.
 */
export function subscribeExchange(o: Options, instance?: number): string {
  const x = o.exchange || defaultExchange(brokerUser(o.broker), o.exchangeSuffix);
  if (o.exchangeSplit > 0 && instance !== undefined) return `${x}${String(instance).padStart(2, '0')}`;
  return x;
}

/** Exchanges to publish to: post_exchange or xs_<post_broker user>[_suffix]; `post_exchangeSplit N` -> x00..x(N-1). */
export function postExchanges(o: Options): string[] {
  const base = o.post_exchange || defaultExchange(brokerUser(o.post_broker), o.post_exchangeSuffix);
  if (o.post_exchangeSplit > 0) {
    return Array.from({ length: o.post_exchangeSplit }, (_, i) => `${base}${String(i).padStart(2, '0')}`);
  }
  return [base];
}

/** Which of postExchanges a message goes to under post_exchangeSplit: sum of identity value bytes mod N. */
export function splitIndex(identityValue: string, n: number): number {
  if (n <= 1) return 0;
  let sum = 0;
  for (const b of Buffer.from(identityValue)) sum += b;
  return sum % n;
}

/**
 * Queue name: `queueName` if set, else `q_<brokerUser>.<component>.<config>.<queueShare>`, with
 * queueShare's `${USER}`, `${HOSTNAME}` and `${RAND8}` expanded (rand8 from the caller, so the name
 * can be persisted and shared by all instances).
 */
export function defaultQueueName(o: Options, rand8: string, env: Record<string, string | undefined> = process.env): string {
  const expand = (s: string): string =>
    s.replace(/\$\{(RAND8|USER|HOSTNAME)\}/g, (_w, n: string) => {
      if (n === 'RAND8') return rand8;
      if (n === 'USER') return env.USER || env.LOGNAME || safeUser();
      return env.HOSTNAME || hostname();
    });
  if (o.queueName) return expand(o.queueName);
  const user = brokerUser(o.broker) ?? 'anonymous';
  return `q_${user}.${o.component}.${o.config}.${expand(o.queueShare)}`;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'user';
  }
}

/** Binding keys: topicPrefix.subtopic for each subtopic line (`topic` overrides); `#` when none; [] after `subtopic None`. */
export function bindingKeys(o: Options): string[] {
  return subscribeBindings(o).map((b) => b.key);
}

/** Bindings with their exchange (the one in force at each subtopic line, else the subscribe exchange). */
export function subscribeBindings(o: Options, instance?: number): { exchange: string; key: string }[] {
  if (o.subtopicNone) return [];
  const x = subscribeExchange(o, instance);
  if (o.topic) return [{ exchange: x, key: o.topic }];
  if (o.bindings.length === 0) return [{ exchange: x, key: `${o.topicPrefix}.#` }];
  return o.bindings.map((b) => ({
    exchange: b.exchange !== undefined ? b.exchange + (o.exchangeSplit > 0 && instance !== undefined ? String(instance).padStart(2, '0') : '') : x,
    key: `${b.topicPrefix}.${b.subtopic}`,
  }));
}
