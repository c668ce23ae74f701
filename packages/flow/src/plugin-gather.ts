// sr3's `gather` entry point: plugins that bring notices of their own (an API, a socket, a schedule), for any
// component, beside the component's own source.
import type { Logger } from '@sarra/common';
import { describeError } from '@sarra/common';
import { decodeV03 } from '@sarra/message';
import { runHook } from './run-hook.js';
import type { PacedGatherer } from './flow-parts.js';
import type { FlowHook, FlowMetrics, Gatherer, WorkItem } from './types.js';

/**
 * The work items of what a plugin's `entry` (gather, poll) returned: a list of notices (v03 fields), each taken in as
 * a received v03 body is (decodeV03: sr3's old names integrity and retPath become identity and retrievePath, then
 * checked); a malformed notice is logged with its reason (naming relPath), counted in `totals.malformed`, and dropped
 * (there is nothing to ack). Anything but a list is logged and gives nothing.
 */
export function pluginNotices(h: FlowHook, entry: string, got: unknown, log: Logger, metrics?: FlowMetrics): WorkItem[] {
  if (!Array.isArray(got)) {
    if (got !== undefined) log.error(`${h.name}.${entry} returned ${typeof got}, not a list of notices: ignored`);
    return [];
  }
  const out: WorkItem[] = [];
  for (const n of got as unknown[]) {
    try {
      if (!n || typeof n !== 'object' || Array.isArray(n)) throw new Error('not an object');
      out.push({ notice: decodeV03({ ...(n as Record<string, unknown>) }) });
    } catch (err: unknown) {
      const rel = (n as { relPath?: unknown } | null)?.relPath;
      log.error(`${h.name}.${entry}: malformed notice${typeof rel === 'string' ? ` ${rel}` : ''}: ${describeError(err)}`);
      metrics?.inc('totals.malformed');
    }
  }
  return out;
}

/**
 * The component's gatherer with each hook's `gather(max)` after it: a pass takes the source's items, then asks each
 * plugin in load order for up to the room left (sr3 calls every gather). A plugin returns notices (v03 fields);
 * those past the room asked for are kept, in order, and handed out before that plugin is asked again (nothing lost);
 * each is checked as a received one: a malformed notice is logged with its reason (naming relPath), counted in
 * `totals.malformed`, and dropped (there is nothing to ack). A plugin that throws is logged and counted (runHook).
 * Without plugin gathers the source itself is returned. `enabled` (a vip gate's isActive): plugin gathers run only while true.
 */
export function withPluginGather(source: Gatherer, hooks: FlowHook[], log: Logger, metrics?: FlowMetrics, enabled?: () => boolean): PacedGatherer {
  const gathers = hooks.filter((h) => typeof h.gather === 'function');
  if (!gathers.length) return source;
  const paced = source as PacedGatherer;
  /** Notices a plugin returned past the room it was given, handed out first on the next passes. */
  const surplus = new Map<FlowHook, WorkItem[]>();
  const take = async (h: FlowHook, room: number): Promise<WorkItem[]> => {
    const kept = surplus.get(h) ?? [];
    if (kept.length) {
      const out = kept.splice(0, room);
      if (out.length === room) return out;
      return [...out, ...(await ask(h, room - out.length))];
    }
    return ask(h, room);
  };
  const ask = async (h: FlowHook, room: number): Promise<WorkItem[]> => {
    let got: unknown;
    await runHook(log, h, 'gather', async () => { got = await h.gather!(room); }, metrics);
    const out = pluginNotices(h, 'gather', got, log, metrics);
    if (out.length > room) {
      const rest = out.splice(room);
      surplus.set(h, [...(surplus.get(h) ?? []), ...rest]);
      log.info(`${h.name}.gather returned ${out.length + rest.length} notices for ${room} asked: ${rest.length} kept for the next pass`);
    }
    return out;
  };
  return {
    name: source.name,
    start: () => source.start(),
    stop: () => source.stop(),
    ...(source.done ? { done: () => source.done!() } : {}),
    ...(source.metrics ? { metrics: () => source.metrics!() } : {}),
    ...(source.isConnected ? { isConnected: () => source.isConnected!() } : {}),
    ...(paced.nextWakeMs ? { nextWakeMs: () => paced.nextWakeMs!() } : {}),
    async gather(max: number, signal: AbortSignal): Promise<WorkItem[]> {
      const items = [...(await source.gather(max, signal))];
      // a passive vip instance gathers nothing from its plugins either (sr3 has_vip)
      if (enabled && !enabled()) return items;
      for (const h of gathers) {
        if (items.length >= max || signal.aborted) break;
        items.push(...(await take(h, max - items.length)));
      }
      return items;
    },
  };
}
