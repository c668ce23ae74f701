// Shared wiring of the broker-consuming components: gatherer, retry queues, nodupe, poster, reporter, hooks.
import { postExchanges } from '@sarra/config';
import { openPublisher, type BrokerPublisher } from '@sarra/broker';
import { legacyRetryQueueFiles, noVipFile, nodupeCacheFile, retryQueueFile, withCredentials } from '@sarra/common';
import {
  DiscardHook, DiskQueue, LogHook, NoDupe, Poster, Reporter, byteRateLimiter, loadHooks, makeDownloader, messageGatherer,
  destfnOf, verifyingAccept, withPluginGather, type FlowHook, type Gatherer, type RetryQueue, type WorkFn,
} from '@sarra/flow';
import { afterGrace, resourceHooks, type BuiltFlow, type InstanceContext } from './context.js';
import { holdsVip } from './producers/vip.js';
import { VipGate, vipRetryQueue } from './vip-gate.js';
import { passiveSource } from './vip-passive.js';

/** What differs between the consuming components. */
export interface MessageFlowSpec {
  /** 'download' (subscribe, sarra), 'send' (sender) or 'none' (shovel, winnow, report). */
  work: 'download' | 'send' | 'none';
  /** Post when a post broker is known (post_broker, else the consuming broker when `postByDefault`). */
  postByDefault: boolean;
  /** Announce the new location (download/send) rather than the received one. */
  relocate: boolean;
  /** Extra built-in hooks, loaded before the user's callbacks. */
  hooks?: FlowHook[];
  /** The transfer for work 'send'. */
  sender?: WorkFn;
}

/** Builds the flow of a broker-consuming component. */
export async function buildMessageFlow(ctx: InstanceContext, spec: MessageFlowSpec): Promise<BuiltFlow> {
  const { o, logger, metrics, stateDir, signal } = ctx;
  const consume = (): Gatherer => messageGatherer(o, { logger, instance: ctx.instance, stateDir, metrics, signal, relay: spec.work === 'none' });
  const postBroker = o.post_broker ?? (spec.postByDefault ? o.broker : undefined);
  let publisher: BrokerPublisher | undefined;
  const pub = (): BrokerPublisher => {
    publisher ??= openPublisher({
      url: withCredentials(o, postBroker ?? o.broker!),
      tlsRigour: o.tlsRigour,
      logger: logger.child('post'),
      signal: afterGrace(signal),
      declareExchanges: o.exchangeDeclare && postBroker ? postExchanges(o) : [],
    });
    return publisher;
  };
  const builtins = [...(spec.hooks ?? []), ...resourceHooks(ctx), new LogHook(o, logger, { posts: !!postBroker })];
  const hooks = await loadHooks(o, builtins, { logger, env: ctx.env });
  // discard removes each downloaded file after post: after the user's callbacks, which may still read it
  if (o.discard && spec.work === 'download') hooks.push(new DiscardHook(o, logger));
  // notice_verify: signatures checked in the filter, before duplicate suppression and any transfer
  const accept = await verifyingAccept(o, { destination: spec.work !== 'none', destfn: destfnOf(o, hooks, logger, metrics) });
  const poster = postBroker
    ? new Poster(o, {
      publisher: pub(),
      logger,
      metrics,
      relocate: spec.relocate,
      // a relay re-publishes the received bytes when only built-in hooks (which never edit notices) run
      passThrough: !spec.relocate && !o.sourceFromExchange && !o.source && !o.cluster && hooks.every((h) => builtins.includes(h)),
      retryQueue: new DiskQueue(retryQueueFile(stateDir, 'post', ctx.instance), o.retry_ttl,
        { logger, legacy: legacyRetryQueueFiles(stateDir, 'post', ctx.instance) }),
    })
    : undefined;
  let reporter: Reporter | undefined;
  if (o.report) {
    const rb = o.report_broker;
    const shared = !rb && postBroker === o.broker && poster;
    reporter = shared
      ? new Reporter(o, pub(), logger, false)
      : new Reporter(o, openPublisher({ url: withCredentials(o, rb ?? o.broker!), tlsRigour: o.tlsRigour, logger: logger.child('report'), signal }), logger, true);
    if (!shared) await reporter.start();
  }
  const nodupe = o.nodupe_ttl > 0 ? new NoDupe(o, nodupeCacheFile(stateDir, ctx.instance), { logger }) : undefined;
  let workRetry: RetryQueue | undefined = spec.work !== 'none'
    ? new DiskQueue(retryQueueFile(stateDir, 'work', ctx.instance), o.retry_ttl, { logger })
    : undefined;
  // vip (sr3: every component): only the holder of an address consumes, works and reads its retry queue
  const vip = o.vip ?? [];
  let gatherer: Gatherer;
  if (vip.length) {
    const gate = new VipGate(consume, {
      held: () => holdsVip(vip),
      noVipFile: noVipFile(stateDir, o.component, o.config, ctx.instance),
      logger,
      warm: nodupe && postBroker ? { source: passiveSource(ctx, postBroker), nodupe } : undefined,
    });
    // plugins' gather entry points run only while the gate is active (sr3 has_vip); one wrapper, so what a plugin
    // returned past the room asked for survives a takeover
    gatherer = withPluginGather(gate, hooks, logger, metrics, () => gate.isActive);
    if (workRetry) workRetry = vipRetryQueue(workRetry, gate);
  } else {
    // plugins' gather entry points after the queue (sr3: every gather of the flow)
    gatherer = withPluginGather(consume(), hooks, logger, metrics);
  }
  return {
    gatherer,
    work: spec.work,
    accept,
    poster,
    reporter,
    hooks,
    logger,
    instance: ctx.instance,
    metrics,
    nodupe,
    workRetry,
    sender: spec.sender,
    downloader: spec.work === 'download' ? makeDownloader(o, { pool: ctx.pool, logger, metrics, rate: byteRateLimiter(o.byteRateMax) }) : undefined,
  };
}
