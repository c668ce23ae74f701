// shovel: copy notices (no data) to the post exchange; v02 <-> v03 by post_topicPrefix / post_format.
import type { ComponentSpec } from './context.js';
import { buildMessageFlow } from './message-flow.js';

export const shovel: ComponentSpec = {
  name: 'shovel',
  build: (ctx) => buildMessageFlow(ctx, { work: 'none', postByDefault: true, relocate: false }),
};
