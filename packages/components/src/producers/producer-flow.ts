// Shared wiring of the producing components (post, watch, poll): a gatherer, nodupe, and a poster that
// announces notices exactly as built (no relocation).
import type { Options } from '@sarra/config';
import { postExchanges } from '@sarra/config';
import { openPublisher } from '@sarra/broker';
import { legacyRetryQueueFiles, nodupeCacheFile, retryQueueFile, withCredentials } from '@sarra/common';
import { DiskQueue, LogHook, NoDupe, Poster, loadHooks, withPluginGather, type FlowHook, type Gatherer } from '@sarra/flow';
import { afterGrace, resourceHooks, type BuiltFlow, type InstanceContext } from '../context.js';

/** Where a producer publishes: post_broker, else broker (sr3 reads a poll's `broker` as post_broker). */
export function postBrokerOf(o: Options): string | undefined {
  return o.post_broker ?? o.broker;
}

/** Builds the flow of a producer around `gatherer`; extra close/exitCode from the component. */
export async function buildProducerFlow(ctx: InstanceContext, gatherer: Gatherer,
  extra: { exitCode?: () => number; close?: () => Promise<void>; hooks?: FlowHook[] } = {}): Promise<BuiltFlow> {
  const { o, logger, metrics, stateDir, signal } = ctx;
  const postBroker = postBrokerOf(o);
  const poster = postBroker
    ? new Poster(o, {
      publisher: openPublisher({
        url: withCredentials(o, postBroker), tlsRigour: o.tlsRigour, logger: logger.child('post'), signal: afterGrace(signal),
        declareExchanges: o.exchangeDeclare ? postExchanges(o) : [],
      }),
      logger, metrics, relocate: false,
      retryQueue: new DiskQueue(retryQueueFile(stateDir, 'post', ctx.instance), o.retry_ttl,
        { logger, legacy: legacyRetryQueueFiles(stateDir, 'post', ctx.instance) }),
    })
    : undefined;
  if (!poster) logger.warning('no post_broker: notices are gathered and filtered but not published');
  const nodupe = o.nodupe_ttl > 0 ? new NoDupe(o, nodupeCacheFile(stateDir, ctx.instance)) : undefined;
  const hooks = await loadHooks(o, [...resourceHooks(ctx), new LogHook(o, logger, { posts: !!poster }), ...(extra.hooks ?? [])], { logger, env: ctx.env });
  return {
    gatherer: withPluginGather(gatherer, hooks, logger, metrics), work: 'none', poster, hooks, logger, instance: ctx.instance, metrics, nodupe,
    exitCode: () => {
      const own = extra.exitCode?.() ?? 0;
      const postFailed = Number(metrics.get('totals.postFailed') ?? 0);
      // retryEmptyBeforeExit: a notice first unconfirmed and then published on retry is not a failure
      const drained = o.retryEmptyBeforeExit && (poster?.pending() ?? 0) === 0 && Number(metrics.get('post.message.txBadCount') ?? 0) === 0;
      return own || (postFailed > 0 && !drained ? 1 : 0);
    },
    close: extra.close,
  };
}
