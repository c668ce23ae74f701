// winnow: a shovel with duplicate suppression always on (first of redundant sources wins); post_exchangeSplit shards.
import type { ComponentSpec } from './context.js';
import { buildMessageFlow } from './message-flow.js';

/** nodupe_ttl used when the configuration leaves it off (sr3 winnow default), in seconds. */
export const WINNOW_NODUPE_TTL = 300;

export const winnow: ComponentSpec = {
  name: 'winnow',
  build: (ctx) => {
    if (!(ctx.o.nodupe_ttl > 0)) ctx.o.nodupe_ttl = WINNOW_NODUPE_TTL;
    return buildMessageFlow(ctx, { work: 'none', postByDefault: true, relocate: false });
  },
};
