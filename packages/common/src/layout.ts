// The one module naming every file an instance writes, for the components and sr alike: configuration, state,
// log, metrics and pid places (v2 places, sr3 layout inside; XDG honoured) and the file names in them (docs/CONTRACTS.md).
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

/** Set by {@link hostEnv} for a configuration with `statehost`: the host directory every file of it goes in. */
const STATEHOST_ENV = 'SARRA_STATEHOST';

/**
 * The short host name `statehost` inserts (sr3: up to the first dot): `$HOSTNAME` when it is set and a plain name
 * (two "hosts" sharing one machine, or a container's name), else the system's.
 */
export function stateHost(env: Env = process.env): string {
  const h = env.HOSTNAME && /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(env.HOSTNAME) ? env.HOSTNAME : hostname();
  return h.split('.')[0]!;
}

/**
 * The environment a configuration's files are named in: with `statehost` (sr3, homes shared by several nodes), every
 * function of this module then puts its state, log, metrics and pid files under `~/.cache/sarra/<short host>/`;
 * without, the plain layout (a host directory inherited from a parent is dropped).
 */
export function hostEnv(env: Env, statehost: boolean): Env {
  return { ...env, [STATEHOST_ENV]: statehost ? stateHost(env) : undefined };
}

/** `~/.cache/sarra` (or `$XDG_CACHE_HOME/sarra`); with `statehost` (or an env from {@link hostEnv}), a per-host subdirectory. */
export function cacheDir(env: Env = process.env, statehost = false): string {
  const base = join(env.XDG_CACHE_HOME || join(home(env), '.cache'), APP);
  const host = statehost ? stateHost(env) : env[STATEHOST_ENV];
  return host ? join(base, host) : base;
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

/** Instance number as sr3 writes it in pid, log, metrics and work retry file names (`%02d`): two digits, three from 100 on. */
export function instanceTag(instance: number): string {
  return String(instance).padStart(instance >= 100 ? 3 : 2, '0');
}

/** `<component>_<config>_NN` — the stem of pid, log and metrics file names. */
export function instanceStem(component: string, config: string, instance: number): string {
  return `${component}_${config}_${instanceTag(instance)}`;
}

/** Instance number as sr3 writes it in `recent_files_NNN.cache` and `diskqueue_post_retry_NNN` (`%03d`). */
export function stateTag(instance: number): string {
  return String(instance).padStart(3, '0');
}

/** `~/.cache/sarra/<component>/<config>/<component>_<config>_NN.pid` (instance 0 = foreground). */
export function pidFile(component: string, config: string, instance: number, env: Env = process.env): string {
  return join(stateDir(component, config, env), `${instanceStem(component, config, instance)}.pid`);
}

/** `~/.cache/sarra/log/<component>_<config>_NN.log`. */
export function logFile(component: string, config: string, instance: number, env: Env = process.env): string {
  return join(logDir(env), `${instanceStem(component, config, instance)}.log`);
}

/** `~/.cache/sarra/metrics/<component>_<config>_NN.json`. */
export function metricsFile(component: string, config: string, instance: number, env: Env = process.env): string {
  return join(metricsDir(env), `${instanceStem(component, config, instance)}.json`);
}

/** Parses `<component>_<config>_NN.pid` back to its instance number given the component and config. */
export function instanceOfPidFile(component: string, config: string, name: string): number | undefined {
  const prefix = `${component}_${config}_`;
  if (!name.startsWith(prefix) || !name.endsWith('.pid')) return undefined;
  const tag = name.slice(prefix.length, -4);
  return /^\d{2,3}$/.test(tag) ? Number(tag) : undefined;
}

/** `recent_files_NNN.cache` in the state directory: the duplicate suppression cache (sr3 nodupe `%.3d`). */
export function nodupeCacheFile(stateDir: string, instance: number): string {
  return join(stateDir, `recent_files_${stateTag(instance)}.cache`);
}

/** `<component>_<config>_NNN.noVip` in the state directory: sr3's marker of an instance waiting for its vip. */
export function noVipFile(stateDir: string, component: string, config: string, instance: number): string {
  return join(stateDir, `${component}_${config}_${stateTag(instance)}.noVip`);
}

/**
 * A retry queue in the state directory, as sr3's flowcb/retry names them: `diskqueue_work_retry_NN` (failed
 * transfers) and `diskqueue_post_retry_NNN` (failed posts), for consumers and producers alike.
 */
export function retryQueueFile(stateDir: string, kind: 'work' | 'post', instance: number): string {
  return join(stateDir, kind === 'work' ? `diskqueue_work_retry_${instanceTag(instance)}` : `diskqueue_post_retry_${stateTag(instance)}`);
}

/**
 * Names a post retry queue had before it was {@link retryQueueFile}'s: `diskqueue_post_retry_NN` (the consuming
 * components) and `post_retry_NNN` (post, watch, poll). A queue opens the first of them that exists in its place.
 */
export function legacyRetryQueueFiles(stateDir: string, kind: 'work' | 'post', instance: number): string[] {
  if (kind === 'work') return [];
  const now = retryQueueFile(stateDir, kind, instance);
  return [join(stateDir, `diskqueue_post_retry_${instanceTag(instance)}`), join(stateDir, `post_retry_${stateTag(instance)}`)].filter((f) => f !== now);
}
