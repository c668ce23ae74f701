// What a component's build() receives (one instance's resources) and what it returns (the flow parts).
import type { Env, Logger } from '@sarra/common';
import type { Options } from '@sarra/config';
import { MemoryWatch, MessageRateMin, type FlowHook, type FlowParts, type Metrics } from '@sarra/flow';
import type { TransferPool } from '@sarra/transfer';

/** One instance's resources, created by runInstance and handed to ComponentSpec.build. */
export interface InstanceContext {
  o: Options;
  logger: Logger;
  /** Instance number (0 = foreground). */
  instance: number;
  foreground: boolean;
  /** `~/.cache/sarra/<component>/<config>`, created. */
  stateDir: string;
  metrics: Metrics;
  pool: TransferPool;
  /** Aborts on SIGTERM/SIGINT (or the caller's signal). */
  signal: AbortSignal;
  env: Env;
  /** Paths given on the command line (post, watch). */
  paths?: string[];
  /** Stops the instance cleanly (as a SIGTERM does) and has it started again: runInstance returns EXIT_RESTART. */
  restart(reason: string): void;
}

/** The exit code of an instance that stopped to be restarted (MemoryMax): sr's instance entry starts a new one. */
export const EXIT_RESTART = 75;

/** Flow parts plus what runInstance needs after the flow ends. */
export interface BuiltFlow extends FlowParts {
  /** Exit code once the flow has stopped (one-shot post: non-zero when some path failed). @default 0 */
  exitCode?(): number;
  /** Released after the flow stopped (extra connections, watchers). */
  close?(): Promise<void>;
}

/** One component: its name and how to build its flow. */
export interface ComponentSpec {
  name: string;
  build(ctx: InstanceContext): Promise<BuiltFlow>;
}

/** How long a poster's publisher outlives the stop request: the confirms of the batch in flight still arrive, ms. */
const PUBLISH_GRACE_MS = 10_000;

/**
 * A signal that aborts `grace` ms after `signal`. Publishers take it, not the stop signal itself: closing them at
 * once would lose the confirms of the batch being posted, which then goes out again after a restart (duplicates).
 * The engine closes them itself at the end of its stop.
 */
export function afterGrace(signal: AbortSignal, grace = PUBLISH_GRACE_MS): AbortSignal {
  const ctl = new AbortController();
  const later = (): void => { setTimeout(() => ctl.abort(signal.reason), grace).unref(); };
  if (signal.aborted) later();
  else signal.addEventListener('abort', later, { once: true });
  return ctl.signal;
}

/**
 * The built-in hooks every flow loads before the user's callbacks (sr3's load order puts housekeeping.resources
 * there): the memory watch that restarts the instance past its limit, and the messageRateMin warning when set.
 */
export function resourceHooks(ctx: InstanceContext): FlowHook[] {
  const hooks: FlowHook[] = [new MemoryWatch(ctx.o, ctx.logger, { restart: (why) => ctx.restart(why) })];
  if (ctx.o.messageRateMin > 0) hooks.push(new MessageRateMin(ctx.o, ctx.logger));
  return hooks;
}
