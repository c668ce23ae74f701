// poll: on schedule, list remote directories (sftp, http index) and announce new or changed files once;
// with `vip`, only the host holding the address polls, the others learn from its output.
import { join } from 'node:path';
import { hostname } from 'node:os';
import { brokerUser, postExchanges } from '@sarra/config';
import { Consumer } from '@sarra/broker';
import { decode } from '@sarra/message';
import type { Notice } from '@sarra/message';
import { ConfigError, describeError, stateTag, withCredentials } from '@sarra/common';
import type { ComponentSpec, InstanceContext } from './context.js';
import { Poller, type PassiveSource } from './producers/poller.js';
import { SeenCache } from './producers/listing.js';
import { parseSchedule } from './producers/schedule.js';
import { holdsVip } from './producers/vip.js';
import { buildProducerFlow, postBrokerOf } from './producers/producer-flow.js';

/** A passive poll's view of the active poll's output: its own queue on the post exchange(s). */
function passiveSource(ctx: InstanceContext, brokerUrl: string): PassiveSource {
  const { o, logger, signal } = ctx;
  const user = brokerUser(brokerUrl) ?? 'anonymous';
  const prefix = o.post_topicPrefix || 'v03';
  const queue = `q_${user}.poll.${o.config}.vip.${hostname()}.${stateTag(ctx.instance)}`;
  let consumer: Consumer | undefined;
  return {
    async start() {
      consumer = new Consumer({
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
        consumer.ack(d);
      }
      return out;
    },
    async stop() {
      await consumer?.close();
    },
  };
}

export const poll: ComponentSpec = {
  name: 'poll',
  async build(ctx) {
    const { o, logger, pool, stateDir } = ctx;
    if (!o.pollUrl) throw new ConfigError(`poll/${o.config}: pollUrl is required`, { file: o.file });
    const tag = stateTag(ctx.instance);
    const brokerUrl = postBrokerOf(o);
    const vip = o.vip ?? [];
    const poller = new Poller({
      pollUrl: o.pollUrl,
      paths: o.path.length ? o.path : ['/'],
      baseUrl: o.post_baseUrl ?? o.pollUrl,
      identity: o.identity,
      source: o.source,
      schedule: parseSchedule(o),
      fileAgeMax: o.fileAgeMax,
      recursive: o.recursive,
      connect: (url) => pool.get(url),
      disconnect: (url) => pool.drop(url),
      seen: new SeenCache(join(stateDir, `poll_seen_${tag}.cache`), o.nodupe_ttl),
      active: () => holdsVip(vip),
      noVipFile: vip.length ? join(stateDir, `poll_${o.config}_${tag}.noVip`) : undefined,
      passive: vip.length && brokerUrl ? passiveSource(ctx, brokerUrl) : undefined,
      logger,
    });
    // the poller paces itself by its schedule (nextWakeMs): the engine's `sleep` back-off does not apply
    return buildProducerFlow(ctx, poller);
  },
};
