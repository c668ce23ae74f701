// The component registry: one line per component, each loaded only when an instance runs it
// (an instance does not pay for chokidar, SFTP or poll code it never uses: DESIGN.md "Memory").
import type { BuiltFlow, ComponentSpec, InstanceContext } from './context.js';

/** A registry entry whose module is imported on first build. */
function lazy(name: string, load: () => Promise<ComponentSpec>): ComponentSpec {
  return { name, build: async (ctx: InstanceContext): Promise<BuiltFlow> => (await load()).build(ctx) };
}

/** Every component an instance can run, by name. */
export const COMPONENT_SPECS: Map<string, ComponentSpec> = new Map<string, ComponentSpec>([
  ['subscribe', lazy('subscribe', async () => (await import('./subscribe.js')).subscribe)],
  ['sarra', lazy('sarra', async () => (await import('./sarra.js')).sarra)],
  ['shovel', lazy('shovel', async () => (await import('./shovel.js')).shovel)],
  ['winnow', lazy('winnow', async () => (await import('./winnow.js')).winnow)],
  ['report', lazy('report', async () => (await import('./report.js')).report)],
  ['flow', lazy('flow', async () => (await import('./flow.js')).flow)],
  ['post', lazy('post', async () => (await import('./post.js')).post)],
  ['watch', lazy('watch', async () => (await import('./watch.js')).watch)],
  ['poll', lazy('poll', async () => (await import('./poll.js')).poll)],
  ['sender', lazy('sender', async () => (await import('./sender.js')).sender)],
]);
