// The CLI's view of the configuration tree: which configurations exist and what each says (via @sarra/config).
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { configDir, describeError, type Env } from '@sarra/common';
import { COMPONENTS, listConfigs, loadConfig, readConfig, type Diagnostic, type Options } from '@sarra/config';
import { selectConfigs, type ConfigRef } from './select.js';
import { DEFAULT_THRESHOLDS, type Thresholds } from './state.js';
import { SSM_COMPONENT, ssmConfigErrors, ssmConfigs } from './ssmconfigs.js';

/** Every configuration in `~/.config/sarra/<component>/*.conf`. */
export async function knownConfigs(env: Env = process.env): Promise<ConfigRef[]> {
  const list = await listConfigs(env);
  return [...list.map((c) => ({ component: c.component, config: c.config, file: c.file })), ...await ssmConfigs(env)];
}

/** The configurations the patterns select (none = all), plus the patterns that matched nothing. */
export async function resolveSelection(patterns: string[], env: Env = process.env): Promise<{ selected: ConfigRef[]; unmatched: string[] }> {
  return selectConfigs(await knownConfigs(env), patterns, [...COMPONENTS, SSM_COMPONENT]);
}

/** One-shot posts (`post` with sleep <= 0) run in the foreground through `sr post` (instance 0), never as daemons. */
export function oneShot(o: Options): boolean {
  return o.component === 'post' && o.sleep <= 0;
}

/** A lint finding as `sr lint` prints it, and as start and foreground print their refusals: `file:line: [warning: ]message`. */
export function lintLine(d: Diagnostic): string {
  return `${d.file}:${d.line}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
}

/**
 * What keeps a configuration from running: exactly the errors `sr lint` reports for it, each as lint prints it
 * (the one check shared by lint, start, restart, foreground and post). `options` when it loaded.
 */
export async function configErrors(ref: ConfigRef, env: Env = process.env, extraLines: string[] = []): Promise<{ options?: Options; errors: string[] }> {
  if (ref.component === SSM_COMPONENT) return ssmConfigErrors(ref, env);
  try {
    const read = await readConfig(ref.component, ref.file ?? ref.config, { env, extraLines });
    return { options: read.options, errors: read.diagnostics.filter((d) => d.severity === 'error').map(lintLine) };
  } catch (err: unknown) {
    return { errors: [describeError(err)] };
  }
}

/** Loaded options (`extraLines`: command-line overrides, read after the files), or the error text when they do not load. */
export async function tryLoad(ref: ConfigRef, env: Env = process.env, extraLines: string[] = []): Promise<{ options?: Options; error?: string }> {
  if (ref.component === SSM_COMPONENT) {
    const r = await ssmConfigErrors(ref, env);
    return r.options ? { options: r.options } : { error: r.errors.join('; ') };
  }
  try {
    return { options: await loadConfig(ref.component, ref.file ?? ref.config, { env, extraLines }) };
  } catch (err: unknown) {
    return { error: describeError(err) };
  }
}

/** sr3's `runStateThreshold_*` options of a configuration (their table defaults when it sets none); defaults when it does not load. */
export function thresholdsOf(o: Options | undefined): Thresholds {
  if (!o) return DEFAULT_THRESHOLDS;
  return { hung: o.runStateThreshold_hung, idle: o.runStateThreshold_idle, lag: o.runStateThreshold_lag,
    reject: o.runStateThreshold_reject, retry: o.runStateThreshold_retry, slow: o.runStateThreshold_slow, cpuSlow: o.runStateThreshold_cpuSlow };
}

/**
 * Why the selected configurations must not run: credentials.conf can be read by group or others and one of
 * them does not set `insecureCredentials` (the loader's own `credentials-mode` error, naming the file and the
 * chmod to run). Checked once for the whole selection, before anything is stopped or spawned, so `sr start`,
 * `restart` and `foreground` say it in one line and start nothing. undefined when they may run.
 */
export async function exposedCredentials(refs: ConfigRef[], env: Env = process.env): Promise<string | undefined> {
  const mode = await stat(join(configDir(env), 'credentials.conf')).then((s) => s.mode, () => 0);
  if (process.platform === 'win32' || (mode & 0o077) === 0) return undefined;
  for (const ref of refs) {
    try {
      const { diagnostics } = await readConfig(ref.component, ref.file ?? ref.config, { env });
      const d = diagnostics.find((x) => x.code === 'credentials-mode');
      if (d) return d.message;
    } catch {
      // a configuration that does not load at all is refused, with its own reason, by the action itself
    }
  }
  return undefined;
}
