// Where sarra-ts keeps configuration, state, logs and metrics (v2 places, sr3 layout inside; XDG honoured).
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';

/** Environment used to locate directories; defaults to process.env. */
export type Env = Record<string, string | undefined>;

const APP = 'sarra';

function home(env: Env): string {
  return env.HOME || homedir();
}

/** `~/.config/sarra` (or `$XDG_CONFIG_HOME/sarra`). */
export function configDir(env: Env = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(home(env), '.config'), APP);
}

/** `~/.cache/sarra` (or `$XDG_CACHE_HOME/sarra`); with `statehost`, a per-host subdirectory. */
export function cacheDir(env: Env = process.env, statehost = false): string {
  const base = join(env.XDG_CACHE_HOME || join(home(env), '.cache'), APP);
  return statehost ? join(base, hostname().split('.')[0]!) : base;
}

/** State directory of one configuration: `~/.cache/sarra/<component>/<config>/`. */
export function stateDir(component: string, config: string, env: Env = process.env, statehost = false): string {
  return join(cacheDir(env, statehost), component, config);
}

/** `~/.cache/sarra/log`. */
export function logDir(env: Env = process.env, statehost = false): string {
  return join(cacheDir(env, statehost), 'log');
}

/** `~/.cache/sarra/metrics`. */
export function metricsDir(env: Env = process.env, statehost = false): string {
  return join(cacheDir(env, statehost), 'metrics');
}

/** Instance number as sr3 writes it in file names: two digits, three from 100 on. */
export function instanceTag(instance: number): string {
  return String(instance).padStart(instance >= 100 ? 3 : 2, '0');
}

/** `<component>_<config>_NN` — the stem of pid, log and metrics file names. */
export function instanceStem(component: string, config: string, instance: number): string {
  return `${component}_${config}_${instanceTag(instance)}`;
}
