// winnow: a shovel with duplicate suppression on by default (first of redundant sources wins); post_exchangeSplit shards.
import type { ComponentSpec } from './context.js';
import { buildMessageFlow } from './message-flow.js';

export const winnow: ComponentSpec = {
  name: 'winnow',
  // nodupe_ttl 300 and logDuplicates are winnow's defaults in the option table (sr show shows them; an explicit
  // `nodupe_ttl off` makes it a shovel, as in sr3)
  build: (ctx) => buildMessageFlow(ctx, { work: 'none', postByDefault: true, relocate: false }),
};
