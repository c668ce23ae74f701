// sender: consume notices of local files and push them to sendTo (sftp, file), then optionally announce them.
import { ConfigError } from '@sarra/common';
import { byteRateLimiter } from '@sarra/flow';
import type { ComponentSpec } from './context.js';
import { buildMessageFlow } from './message-flow.js';
import { makeSender } from './send-file.js';

/** Sends in flight at once per instance (capped by `batch`). */
const SEND_CONCURRENCY = 64;

export const sender: ComponentSpec = {
  name: 'sender',
  async build(ctx) {
    const { o } = ctx;
    if (!o.sendTo) throw new ConfigError(`sender/${o.config}: sendTo is required`, { file: o.file });
    const send = makeSender(o, { pool: ctx.pool, logger: ctx.logger, metrics: ctx.metrics, rate: byteRateLimiter(o.byteRateMax) });
    const built = await buildMessageFlow(ctx, { work: 'send', postByDefault: false, relocate: true, sender: send });
    // small files cost a few SFTP round trips each: many in flight on the one pooled channel hide the latency
    built.concurrency = Math.max(1, Math.min(o.batch, SEND_CONCURRENCY));
    return built;
  },
};
