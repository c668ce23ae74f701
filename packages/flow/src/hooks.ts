// Flow callbacks: loading user hooks named by callback/flowcb lines, and running an entry point on each.
import {
  builtinName, callbackSettings, declaredOptions, destfnScripts, importCallback, isNativeCallback, pluginDir as defaultPluginDir,
  type Options,
} from '@sarra/config';
import type { Env, Logger } from '@sarra/common';
import { ConfigError, describeError, Logger as LoggerClass } from '@sarra/common';
import type { FlowHook } from './types.js';
import { runHook } from './run-hook.js';

export { builtinName };

export interface LoadHooksOptions {
  logger?: Logger;
  /** Directory searched for relative and bare names. @default `<configDir>/plugins` */
  pluginDir?: string;
  env?: Env;
}

/** The callback spec each loaded user hook came from (`callback <spec>`, `DESTFNSCRIPT=<spec>`). */
const specs = new WeakMap<FlowHook, string>();

/** The spec a hook was loaded from by loadHooks (undefined for the engine's built-in hooks). */
export function hookSpec(h: FlowHook): string | undefined {
  return specs.get(h);
}

function isHook(v: unknown): v is FlowHook {
  return !!v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string';
}

/** Imports one hook module (found as @sarra/config finds it for lint) and instantiates its default export. @throws ConfigError naming the spec. */
async function loadHook(spec: string, o: Options, logger: Logger, pluginDir: string): Promise<FlowHook> {
  const at = o.callbackOrigins?.[spec] ?? o.origins?.callback;
  const where = { file: at?.file ?? o.file, line: at?.line };
  const r = await importCallback(spec, pluginDir);
  if ('problem' in r) throw new ConfigError(r.problem, { ...where, cause: r.cause });
  const { file, mod } = r;
  const exp = mod.default;
  const own = ownOptions(o, spec, mod);
  let hook: unknown;
  try {
    if (typeof exp === 'function') hook = new (exp as new (o: Options, logger: Logger) => unknown)(own, logger.child(spec));
    else hook = exp;
  } catch (err: unknown) {
    throw new ConfigError(`callback ${spec}: constructor failed: ${describeError(err)}`, { ...where, cause: err });
  }
  if (!isHook(hook)) throw new ConfigError(`callback ${spec}: ${file} must default-export a FlowHook class or object with a name`, where);
  specs.set(hook, spec);
  return hook;
}

/**
 * The options a callback module is constructed with: the configuration's, with its `set <callback>.<option>` values
 * over them (sr3's per-class settings), its own copy when it has any. Bad values were refused by lint; here they throw.
 */
function ownOptions(o: Options, spec: string, mod: Record<string, unknown>): Options {
  const { table, plugin, problems } = callbackSettings(o, o.settings, spec, declaredOptions(mod).decls);
  if (problems.length) throw new ConfigError(problems[0]!.message, { file: problems[0]!.file, line: problems[0]!.line });
  if (!Object.keys(table).length && !Object.keys(plugin).length) return o;
  return { ...o, ...table, pluginOptions: { ...o.pluginOptions, ...plugin } } as Options;
}

/**
 * The hooks of a flow in sr3 load order: `callback_prepend` modules, then the builtins the engine passes
 * (gather/post, retry, nodupe, ..., in its order), then `callback` modules (`flowcb` lines arrive there too),
 * then the modules `filename DESTFNSCRIPT=<spec>` names and no callback line loads (sr3's destfn_scripts), then
 * `log` if it is among the builtins (sr3 appends log last). A line naming a builtin (`log`, `nodupe`,
 * `sarracenia.flowcb.nodupe.disk`, ...) selects the builtin instead of loading a module; the sr3 built-ins this
 * engine provides natively (config's NATIVE_CALLBACKS: exact names) load nothing; the built-in plugins of
 * @sarra/plugin load by sr3 name when the plugin directory has no module of that name. A module is a JS/TS
 * file: an absolute path, a path relative to `~/.config/sarra/plugins`, or a bare (dotted) name found there,
 * whose default export is a class `new (o, logger)` or a FlowHook object.
 * @throws ConfigError naming the callback when a module is missing, fails to load or exports no hook.
 */
export async function loadHooks(o: Options, builtins: FlowHook[], opts: LoadHooksOptions = {}): Promise<FlowHook[]> {
  const logger = opts.logger ?? LoggerClass.silent();
  const pluginDir = opts.pluginDir ?? defaultPluginDir(opts.env);
  const byName = new Map(builtins.map((h) => [h.name, h]));
  const used = new Set<FlowHook>();
  const built: FlowHook[] = [];
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
      if (isNativeCallback(spec)) {
        logger.info(`callback ${spec}: provided natively, nothing to load`);
        continue;
      }
      const h = await loadHook(spec, o, logger, pluginDir);
      built.push(h);
      out.push(h);
    }
    return out;
  };
  let first: FlowHook[], user: FlowHook[], scripts: FlowHook[];
  try {
    first = await load(o.callback_prepend);
    user = await load(o.callback);
    const lines = [...(o.callback_prepend ?? []), ...(o.callback ?? [])];
    scripts = await load(destfnScripts(o).map((d) => d.spec).filter((s) => !lines.includes(s)));
  } catch (err: unknown) {
    // the plugins built before the one that failed are stopped: what their constructors opened is closed
    for (const h of built) await runHook(logger, h, 'onStop', () => h.onStop?.());
    throw err;
  }
  const log = byName.get('log');
  const middle = builtins.filter((h) => !used.has(h) && h !== log);
  const tail = log && !used.has(log) ? [log] : [];
  return [...first, ...middle, ...user, ...scripts, ...tail];
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
