// Public entry of @sarra/components: the registry, the instance runner and the build context types.
export { runInstance, type RunInstanceArgs } from './instance.js';
export { COMPONENT_SPECS } from './registry.js';
export type { ComponentSpec, InstanceContext, BuiltFlow } from './context.js';
export { EXIT_RESTART } from './context.js';
export { EXIT_REFUSED } from './refused.js';
export { buildMessageFlow, type MessageFlowSpec } from './message-flow.js';
