// poll: on schedule, list remote directories (sftp, http index) and announce new or changed files once;
// with `vip`, only the host holding the address polls, the others learn from its output.
import { join } from 'node:path';
import { ConfigError, noVipFile, stateTag } from '@sarra/common';
import type { ComponentSpec } from './context.js';
import { Poller } from './producers/poller.js';
import { SeenCache } from './producers/listing.js';
import { parseSchedule } from './producers/schedule.js';
import { holdsVip } from './producers/vip.js';
import { buildProducerFlow, postBrokerOf } from './producers/producer-flow.js';
import { passiveSource } from './vip-passive.js';

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
      noVipFile: vip.length ? noVipFile(stateDir, 'poll', o.config, ctx.instance) : undefined,
      passive: vip.length && brokerUrl ? passiveSource(ctx, brokerUrl) : undefined,
      logger,
    });
    // the poller paces itself by its schedule (nextWakeMs): the engine's `sleep` back-off does not apply
    const built = await buildProducerFlow(ctx, poller);
    // sr3: a plugin's poll() lists instead of the built-in listing of pollUrl
    poller.usePlugins(built.hooks, ctx.metrics);
    return built;
  },
};
