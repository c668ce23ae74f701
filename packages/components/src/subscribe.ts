// subscribe: consume notices, download the files; post only when post_broker is set.
import type { ComponentSpec } from './context.js';
import { buildMessageFlow } from './message-flow.js';

export const subscribe: ComponentSpec = {
  name: 'subscribe',
  build: (ctx) => buildMessageFlow(ctx, { work: ctx.o.download === false ? 'none' : 'download', postByDefault: false, relocate: true }),
};
