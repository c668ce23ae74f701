// What a passive (vip-less) instance reads of the active one's output: its own per-host queue on the post exchange(s).
import { hostname } from 'node:os';
import { brokerUser, postExchanges } from '@sarra/config';
import { openConsumer, type BrokerConsumer } from '@sarra/broker';
import { decode, type Notice } from '@sarra/message';
import { describeError, stateTag, withCredentials } from '@sarra/common';
import { ackDelivery } from '@sarra/flow';
import type { InstanceContext } from './context.js';

/** Notices the active instance published, as seen by a passive one. */
export interface PassiveSource {
  start(): Promise<void>;
  /** Up to `max` notices, waiting at most `waitMs`; acked by the source once returned. */
  next(max: number, waitMs: number): Promise<Notice[]>;
  stop(): Promise<void>;
}

/**
 * `q_<user>.<component>.<config>.vip.<host>.<NN>` bound to every post exchange under `post_topicPrefix.#`: private to
 * this host and instance, so reading it takes nothing from the queue the instances share.
 */
export function passiveSource(ctx: InstanceContext, brokerUrl: string): PassiveSource {
  const { o, logger, signal } = ctx;
  const user = brokerUser(brokerUrl) ?? 'anonymous';
  const prefix = o.post_topicPrefix || 'v03';
  const queue = `q_${user}.${o.component}.${o.config}.vip.${hostname()}.${stateTag(ctx.instance)}`;
  let consumer: BrokerConsumer | undefined;
  return {
    async start() {
      consumer = openConsumer({
        url: withCredentials(o, brokerUrl), tlsRigour: o.tlsRigour, logger: logger.child('vip'), signal,
        // a private per-host queue: classic and not durable, unless the pump wants quorum queues only (always durable);
        // never a stream (nothing would record how far it was read)
        queue: o.queueType === 'quorum'
          ? { name: queue, type: 'quorum', expires: Math.max(o.expire, 60) * 1000 }
          : { name: queue, durable: false, autoDelete: false, expires: Math.max(o.expire, 60) * 1000 },
        bindings: postExchanges(o).map((exchange) => ({ exchange, key: `${prefix}.#` })),
        declareExchanges: postExchanges(o), prefetch: 100,
      });
      await consumer.start();
    },
    async next(max, waitMs) {
      if (!consumer) return [];
      const out: Notice[] = [];
      for (const d of await consumer.next(max, waitMs)) {
        try {
          out.push(decode({ routingKey: d.routingKey, body: d.body, contentType: d.contentType, headers: d.headers }).notice);
        } catch (e: unknown) {
          logger.debug(`vip: ignoring an undecodable message: ${describeError(e)}`);
        }
        ackDelivery(consumer, d, logger);
      }
      return out;
    },
    async stop() {
      await consumer?.close();
    },
  };
}
