// Flow callbacks: loading user hooks named by callback/flowcb lines, and running an entry point on each.
import { access } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Options } from '@sarra/config';
import type { Env, Logger } from '@sarra/common';
import { ConfigError, configDir, describeError, Logger as LoggerClass } from '@sarra/common';
import type { FlowHook } from './types.js';

/** A hook module's default export: a class taking the options and a logger, or a ready hook object. */
export type HookExport = (new (o: Options, logger: Logger) => FlowHook) | FlowHook;

export interface LoadHooksOptions {
  logger?: Logger;
  /** Directory searched for relative and bare names. @default `<configDir>/plugins` */
  pluginDir?: string;
  env?: Env;
}

const EXTENSIONS = ['', '.js', '.mjs', '.ts', '.mts'];

/**
 * sr3 built-in callbacks this engine provides natively (gather/post by the component, retry and nodupe by
 * the engine, resources not needed): a line naming one loads nothing when no builtin of that name is given.
 */
const NATIVE = new Set(['gather', 'post', 'retry', 'housekeeping', 'nodupe', 'log', 'v2wrapper']);

/** sr3 names of built-in callbacks, reduced to the name our builtins carry (`sarracenia.flowcb.nodupe.disk` -> `nodupe`). */
export function builtinName(spec: string): string {
  let s = spec.replace(/^sarracenia\.flowcb\./, '');
  const words = s.split('.');
  // a capitalised last word is the class name (sr3): drop it
  if (words.length > 1 && /^[A-Z]/.test(words[words.length - 1]!)) words.pop();
  s = words.join('.');
  return s.split('.')[0]!;
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/** Candidate files for a callback spec: absolute path, path relative to the plugin dir, or a bare/dotted name there. */
function candidates(spec: string, pluginDir: string): string[] {
  const bases: string[] = [];
  if (isAbsolute(spec)) bases.push(spec);
  else if (spec.includes('/') || spec.startsWith('.')) bases.push(resolve(pluginDir, spec));
  else {
    bases.push(join(pluginDir, spec));
    if (spec.includes('.')) {
      const words = spec.split('.');
      bases.push(join(pluginDir, ...words));
      if (/^[A-Z]/.test(words[words.length - 1]!)) bases.push(join(pluginDir, ...words.slice(0, -1)));
    }
  }
  const out: string[] = [];
  for (const b of bases) for (const ext of EXTENSIONS) out.push(b + ext);
  return out;
}

function isHook(v: unknown): v is FlowHook {
  return !!v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string';
}

/** Imports one hook module and instantiates its default export. @throws ConfigError naming the spec. */
export async function loadHook(spec: string, o: Options, logger: Logger, pluginDir: string): Promise<FlowHook> {
  let file: string | undefined;
  for (const c of candidates(spec, pluginDir)) {
    if (await exists(c)) {
      file = c;
      break;
    }
  }
  const where = { file: o.origins?.callback?.file ?? o.file, line: o.origins?.callback?.line };
  if (!file) {
    const py = candidates(spec, pluginDir).filter((c) => /\.js$/.test(c)).map((c) => c.replace(/\.js$/, '.py'));
    for (const c of py) {
      if (await exists(c)) throw new ConfigError(`callback ${spec}: ${c} is a Python (sr3) plugin; port it to a JS/TS module`, where);
    }
    throw new ConfigError(`callback ${spec}: no such plugin module (looked in ${pluginDir})`, where);
  }
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (err: unknown) {
    throw new ConfigError(`callback ${spec}: ${file} did not load: ${describeError(err)}`, { ...where, cause: err });
  }
  const exp = mod.default;
  let hook: unknown;
  try {
    if (typeof exp === 'function') hook = new (exp as new (o: Options, logger: Logger) => unknown)(o, logger.child(spec));
    else hook = exp;
  } catch (err: unknown) {
    throw new ConfigError(`callback ${spec}: constructor failed: ${describeError(err)}`, { ...where, cause: err });
  }
  if (!isHook(hook)) throw new ConfigError(`callback ${spec}: ${file} must default-export a FlowHook class or object with a name`, where);
  return hook;
}

/**
 * The hooks of a flow in sr3 load order: `callback_prepend` modules, then the builtins the engine passes
 * (gather/post, retry, nodupe, ..., in its order), then `callback` modules (`flowcb` lines arrive there too),
 * then `log` if it is among the builtins (sr3 appends log last). A line naming a builtin (`log`, `nodupe`,
 * `sarracenia.flowcb.nodupe.disk`, ...) selects the builtin instead of loading a module; sr3 built-ins this
 * engine provides natively (gather.*, post.*, retry, nodupe.*, housekeeping.*) load nothing. A module is a JS/TS
 * file: an absolute path, a path relative to `~/.config/sarra/plugins`, or a bare (dotted) name found there,
 * whose default export is a class `new (o, logger)` or a FlowHook object.
 * @throws ConfigError naming the callback when a module is missing, fails to load or exports no hook.
 */
export async function loadHooks(o: Options, builtins: FlowHook[], opts: LoadHooksOptions = {}): Promise<FlowHook[]> {
  const logger = opts.logger ?? LoggerClass.silent();
  const pluginDir = opts.pluginDir ?? join(configDir(opts.env), 'plugins');
  const byName = new Map(builtins.map((h) => [h.name, h]));
  const used = new Set<FlowHook>();
  const load = async (specs: string[] | undefined): Promise<FlowHook[]> => {
    const out: FlowHook[] = [];
    for (const spec of specs ?? []) {
      const b = byName.get(builtinName(spec)) ?? byName.get(spec);
      if (b) {
        if (!used.has(b)) {
          used.add(b);
          out.push(b);
        }
        continue;
      }
      if (NATIVE.has(builtinName(spec)) && !spec.includes('/')) {
        logger.info(`callback ${spec}: provided natively, nothing to load`);
        continue;
      }
      out.push(await loadHook(spec, o, logger, pluginDir));
    }
    return out;
  };
  const first = await load(o.callback_prepend);
  const user = await load(o.callback);
  const log = byName.get('log');
  const middle = builtins.filter((h) => !used.has(h) && h !== log);
  const tail = log && !used.has(log) ? [log] : [];
  return [...first, ...middle, ...user, ...tail];
}

/** Entry points that take no argument or a worklist. */
export type HookEntry = 'onStart' | 'afterAccept' | 'afterWork' | 'afterPost' | 'onHousekeeping' | 'onStop';

/**
 * Calls `entry` on each hook that has it, in order, awaiting each; an exception is logged
 * (`<hook>.<entry> crashed: <reason>`) and swallowed, as sr3 does, so one bad plugin cannot stop the flow.
 */
export async function runHooks(hooks: FlowHook[], entry: HookEntry, arg: unknown, logger: Logger): Promise<void> {
  for (const h of hooks) {
    const fn = h[entry] as ((a?: unknown) => unknown) | undefined;
    if (typeof fn !== 'function') continue;
    try {
      await fn.call(h, arg);
    } catch (err: unknown) {
      logger.error(`flowCallback plugin ${h.name}.${entry} crashed: ${describeError(err)}`);
    }
  }
}

/** Collects `metricsReport()` of every hook that has one, keyed by hook name (errors logged, skipped). */
export function collectHookMetrics(hooks: FlowHook[], logger: Logger): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const h of hooks) {
    if (typeof h.metricsReport !== 'function') continue;
    try {
      out[h.name] = h.metricsReport();
    } catch (err: unknown) {
      logger.error(`flowCallback plugin ${h.name}.metricsReport crashed: ${describeError(err)}`);
    }
  }
  return out;
}
