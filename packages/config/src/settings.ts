// sr3's `set <class>.<option> <value>`: an option's value for one flow callback only ("hierarchical settings"),
// typed by the option the callback declares or by the table; lint and the flow that builds the hooks read them here.
import { describeError } from '@sarra/common';
import { optionSpec } from './options.js';
import { parseAs, type PluginOptions } from './plugin-options.js';
import type { Diagnostic, Options } from './types.js';

/** `sarracenia.flowcb.a.b.Class` -> `a.b`: how sr3 class paths and callback lines name the same module. */
function moduleOf(spec: string): string {
  const words = spec.replace(/^sarracenia\.flowcb\./, '').split('.');
  if (words.length > 1 && /^[A-Z]/.test(words[words.length - 1]!)) words.pop();
  return words.join('.');
}

/** The callback (as its callback line names it) a `set` key's class part designates, if any. */
function settingTarget(key: string, callbacks: readonly string[]): { spec: string; option: string } | undefined {
  const dot = key.lastIndexOf('.');
  const cls = key.slice(0, dot), option = key.slice(dot + 1);
  const spec = callbacks.find((c) => c === cls || moduleOf(c) === moduleOf(cls));
  return spec === undefined ? undefined : { spec, option };
}

/**
 * The `set` values for callback `spec` (its module declares `decls`), typed: a declared option by its declared kind,
 * a table option by the table (e.g. `set sample.logLevel debug`). Returns them with a diagnostic, at the `set` line,
 * for each value that does not parse or names an option neither declares.
 */
export function callbackSettings(o: Options, settings: Record<string, string>, spec: string, decls: PluginOptions):
  { table: Record<string, unknown>; plugin: Record<string, unknown>; problems: Diagnostic[] } {
  const table: Record<string, unknown> = {}, plugin: Record<string, unknown> = {};
  const problems: Diagnostic[] = [];
  for (const [key, text] of Object.entries(settings)) {
    const t = settingTarget(key, [spec]);
    if (!t) continue;
    const at = o.settingOrigins[key];
    const say = (message: string): void => {
      problems.push({ file: at?.file ?? o.file ?? '', line: at?.line ?? 0, severity: 'error', option: 'set', code: 'set', message });
    };
    const decl = decls[t.option];
    const tableSpec = decl ? undefined : optionSpec(t.option);
    try {
      if (decl) plugin[t.option] = parseAs(t.option, decl.kind, decl.default, text, o.component);
      else if (tableSpec && !tableSpec.unsupported) table[t.option] = parseAs(t.option, tableSpec.kind, tableSpec.default, text, o.component, tableSpec);
      else say(`set ${key}: callback ${spec} declares no option ${t.option}${tableSpec ? ` (and ${t.option} is not supported by sarra-ts)` : ''}`);
    } catch (e: unknown) {
      say(`set ${key}: ${describeError(e)}`);
    }
  }
  return { table, plugin, problems };
}

/**
 * `set` lines that designate no loadable callback of the configuration: an error each, saying why. sr3 also reaches its
 * internal classes this way (`set sarracenia.moth.amqp.AMQP.logLevel debug`) and its built-in callbacks; sarra-ts has
 * no such classes to tune one by one, and its built-ins take the configuration's own options.
 */
export function straySettings(o: Options, modules: readonly string[], builtins: readonly string[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const key of Object.keys(o.settings)) {
    if (settingTarget(key, modules)) continue;
    const at = o.settingOrigins[key];
    const builtin = settingTarget(key, builtins);
    const why = builtin
      ? `${builtin.spec} is built in: it takes the configuration's own ${builtin.option} line`
      : 'it names no callback of this configuration: `set <callback>.<option> <value>` sets a callback\'s option; ' +
        "sr3's internal classes are not tuned one by one, set the option itself";
    out.push({
      file: at?.file ?? o.file ?? '', line: at?.line ?? 0, severity: 'error', option: 'set', code: 'unsupported',
      message: `set ${key}: not supported by sarra-ts (${why})`,
    });
  }
  return out;
}
