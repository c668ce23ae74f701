// sr3's `destfn` entry point: a plugin decides the destination file name of an accepted notice, when a `filename`
// keyword list names it (`DESTFNSCRIPT=<callback>`), or for every notice when no DESTFNSCRIPT= names it.
import type { Logger } from '@sarra/common';
import { describeError, PathEscapeError } from '@sarra/common';
import { destfnScripts, sr3Name, type Options } from '@sarra/config';
import { hookSpec } from './hooks.js';
import type { FlowHook, FlowMetrics, WorkItem } from './types.js';

/**
 * The destination file name of `item` after the destfn hooks: `script` is the callback a DESTFNSCRIPT= keyword names
 * (only that hook is asked), undefined for the hooks no DESTFNSCRIPT= of the configuration names (each asked in
 * load order, seeing the name so far in `item.newFile`). @throws PathEscapeError when a hook returns no bare name.
 */
export type DestFn = (item: WorkItem, script: string | undefined, name: string) => string;

/** Refuses a name that would not be one file in the destination directory. */
function checkName(h: FlowHook, name: string): string {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new PathEscapeError(`${h.name}.destfn returned ${JSON.stringify(name)}: not a file name`);
  }
  return name;
}

/**
 * The destfn of a flow's hooks, or undefined when none has one. A hook that throws is logged, counted in
 * `totals.pluginErrors` and the name is kept (the flow goes on), as is one that returns a Promise (its rejection is
 * caught); one that returns no string keeps the name.
 */
export function destfnOf(o: Options, hooks: FlowHook[], log: Logger, metrics?: FlowMetrics): DestFn | undefined {
  const own = hooks.filter((h) => typeof h.destfn === 'function');
  if (!own.length) return undefined;
  const named = new Set(destfnScripts(o).map((d) => sr3Name(d.spec)));
  const specOf = (h: FlowHook): string | undefined => {
    const s = hookSpec(h);
    return s === undefined ? undefined : sr3Name(s);
  };
  const everywhere = own.filter((h) => !named.has(specOf(h) ?? ''));
  const ask = (h: FlowHook, item: WorkItem, name: string): string => {
    item.newFile = name;
    let got: unknown;
    try {
      got = h.destfn!(item);
    } catch (err: unknown) {
      log.error(`${h.name}.destfn failed: ${describeError(err)}`);
      metrics?.inc('totals.pluginErrors');
      return name;
    }
    if (typeof (got as { then?: unknown } | null)?.then === 'function') {
      // lint refuses an async destfn; one that returns a promise all the same: its rejection must not end the process
      (got as Promise<unknown>).then(undefined, () => {});
      log.error(`${h.name}.destfn must be synchronous (returned a Promise): the name is kept`);
      metrics?.inc('totals.pluginErrors');
      return name;
    }
    return typeof got === 'string' ? checkName(h, got) : name;
  };
  return (item, script, name) => {
    if (script === undefined) return everywhere.reduce((n, h) => ask(h, item, n), name);
    const h = own.find((x) => specOf(x) === sr3Name(script));
    return h ? ask(h, item, name) : name;
  };
}
