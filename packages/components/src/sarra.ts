// sarra: subscribe + download + re-announce the local copy (post_baseUrl/post_baseDir, recomputed identity, from_cluster).
import type { ComponentSpec } from './context.js';
import { buildMessageFlow } from './message-flow.js';

export const sarra: ComponentSpec = {
  name: 'sarra',
  build: (ctx) => buildMessageFlow(ctx, { work: ctx.o.download === false ? 'none' : 'download', postByDefault: true, relocate: true }),
};
