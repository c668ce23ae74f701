// The entry points `sr` itself calls for a configuration, as sr3 does: onSanity at `sr sanity`, onDeclare at
// `sr declare`, onCleanup at `sr cleanup` (the plugins loaded and constructed for the call, as an instance does).
import { Logger, logLevelOf, type Env } from '@sarra/common';
import { destfnScripts, isModuleCallback, type Options } from '@sarra/config';
import { loadHooks, runHook } from '@sarra/flow';

/** The entry points of a configuration's plugins that `sr` calls outside any instance. */
export type ConfigEntry = 'onSanity' | 'onDeclare' | 'onCleanup';

/**
 * Loads the plugin modules `o` names (callback lines and DESTFNSCRIPT=; the engine's built-in callbacks are not
 * instantiated) and calls `entry` on each that has it, in load order. A plugin that throws is logged
 * (`<plugin>.<entry> failed: ...`) and the next goes on; what the plugins log goes to standard error.
 * @throws ConfigError when a plugin module cannot be loaded or constructed.
 */
export async function runConfigHooks(o: Options, entry: ConfigEntry, env: Env): Promise<void> {
  const only = (specs: string[] | undefined): string[] => (specs ?? []).filter((s) => isModuleCallback(o, s));
  const modules = { ...o, callback_prepend: only(o.callback_prepend), callback: only(o.callback) } as Options;
  if (!modules.callback_prepend.length && !modules.callback.length && !destfnScripts(o).length) return;
  const log = Logger.create(`${o.component}/${o.config}`, { level: logLevelOf(o.logLevel) });
  let hooks: Awaited<ReturnType<typeof loadHooks>> = [];
  try {
    hooks = await loadHooks(modules, [], { logger: log, env });
    for (const h of hooks) {
      const fn = h[entry];
      if (typeof fn === 'function') await runHook(log, h, entry, () => fn.call(h));
    }
  } finally {
    // constructed as an instance does, stopped as one is: a timer or socket a constructor opened is closed
    for (const h of hooks) await runHook(log, h, 'onStop', () => h.onStop?.());
    await log.close();
  }
}
