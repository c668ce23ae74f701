// The CLI's view of the configuration tree: which configurations exist and what each says (via @sarra/config).
import { describeError, type Env } from '@sarra/common';
import { COMPONENTS, listConfigs, loadConfig, type Options } from '@sarra/config';
import { selectConfigs, type ConfigRef } from './select.js';
import { DEFAULT_THRESHOLDS, type Thresholds } from './state.js';

/** Every configuration in `~/.config/sarra/<component>/*.conf`. */
export async function knownConfigs(env: Env = process.env): Promise<ConfigRef[]> {
  const list = await listConfigs(env);
  return list.map((c) => ({ component: c.component, config: c.config, file: c.file }));
}

/** The configurations the patterns select (none = all), plus the patterns that matched nothing. */
export async function resolveSelection(patterns: string[], env: Env = process.env): Promise<{ selected: ConfigRef[]; unmatched: string[] }> {
  return selectConfigs(await knownConfigs(env), patterns, COMPONENTS);
}

/** Loaded options, or the error text when the configuration does not load. */
/** One-shot posts (`post` with sleep <= 0) run in the foreground through `sr post` (instance 0), never as daemons. */
export function oneShot(o: Options): boolean {
  return o.component === 'post' && o.sleep <= 0;
}

export async function tryLoad(ref: ConfigRef, env: Env = process.env): Promise<{ options?: Options; error?: string }> {
  try {
    return { options: await loadConfig(ref.component, ref.file ?? ref.config, { env }) };
  } catch (err: unknown) {
    return { error: describeError(err) };
  }
}

/** sr3's `runStateThreshold_*` options when the configuration sets them, defaults otherwise. */
export function thresholdsOf(o: Options | undefined): Thresholds {
  if (!o) return DEFAULT_THRESHOLDS;
  const bag = o as unknown as Record<string, unknown>;
  const pick = (name: string, dflt: number): number => {
    const v = bag[`runStateThreshold_${name}`];
    return typeof v === 'number' && Number.isFinite(v) ? v : dflt;
  };
  return { hung: pick('hung', DEFAULT_THRESHOLDS.hung), idle: pick('idle', DEFAULT_THRESHOLDS.idle), lag: pick('lag', DEFAULT_THRESHOLDS.lag),
    reject: pick('reject', DEFAULT_THRESHOLDS.reject), retry: pick('retry', DEFAULT_THRESHOLDS.retry) };
}
