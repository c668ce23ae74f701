// flow: the generic flow with no defaults: download when `download` is on, post when post_broker is set.
import type { ComponentSpec } from './context.js';
import { buildMessageFlow } from './message-flow.js';

export const flow: ComponentSpec = {
  name: 'flow',
  build: (ctx) => buildMessageFlow(ctx, { work: ctx.o.download ? 'download' : 'none', postByDefault: false, relocate: !!ctx.o.download }),
};
