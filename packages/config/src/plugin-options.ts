// Options declared by flow callbacks (sr3 `add_option(name, kind, default)`): a callback module lists them in
// its `options` export, so lint and start know them before any hook runs; values are typed from the config lines.
import { ConfigError, describeError } from '@sarra/common';
import { opt, parseScalar } from './option-kinds.js';
import type { Diagnostic, OptionKind, OptionSpec, Options } from './types.js';

/** One option a callback declares. */
export interface PluginOptionDecl {
  kind: OptionKind;
  /** Value when no line sets it. */
  default?: unknown;
  doc?: string;
}

/**
 * What a callback module exports as `options`, e.g.
 * `export const options = { msg_total_interval: { kind: 'duration', default: 60 } }`.
 */
export type PluginOptions = Record<string, PluginOptionDecl>;

const KINDS: readonly OptionKind[] = ['count', 'size', 'duration', 'flag', 'float', 'list', 'set', 'str', 'octal', 'url'];

/** The declarations of a module's `options` export, or why they are malformed. */
export function declaredOptions(mod: Record<string, unknown>): { decls: PluginOptions; problem?: string } {
  const raw = mod.options;
  if (raw === undefined) return { decls: {} };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { decls: {}, problem: '`options` must be an object of { kind, default }' };
  const decls: PluginOptions = {};
  for (const [name, d] of Object.entries(raw as Record<string, unknown>)) {
    const kind = (d as { kind?: unknown } | null)?.kind;
    if (!KINDS.includes(kind as OptionKind)) return { decls: {}, problem: `option ${name}: kind must be one of ${KINDS.join(', ')}` };
    decls[name] = d as PluginOptionDecl;
  }
  return { decls };
}

/**
 * Parses an option's text as `kind` (lists and sets split on commas and spaces), with `spec`'s own parser when given
 * (a table option). Throws Error with a reason.
 */
export function parseAs(name: string, kind: OptionKind, dflt: unknown, text: string, component: string, spec?: OptionSpec): unknown {
  if (kind === 'list') return text.split(/[\s,]+/).filter((s) => s !== '');
  if (kind === 'set') return new Set(text.split(/[\s,]+/).filter((s) => s !== ''));
  return parseScalar(spec ?? opt(name, kind, dflt, ''), text, { component });
}

/**
 * Takes the lines of declared options out of `o.unknownOptions` into `o.pluginOptions`, typed by their kind
 * (declared but unset: the declared default). Returns a diagnostic, at its line, for each bad value.
 */
export function applyPluginOptions(o: Options, decls: PluginOptions): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [name, d] of Object.entries(decls)) {
    const raw = o.unknownOptions[name];
    if (!raw) {
      if (!(name in o.pluginOptions)) o.pluginOptions[name] = d.default;
      continue;
    }
    delete o.unknownOptions[name];
    try {
      o.pluginOptions[name] = parseAs(name, d.kind, d.default, raw.value, o.component);
    } catch (e: unknown) {
      out.push({ file: raw.file, line: raw.line, severity: 'error', option: name, message: `${name}: ${describeError(e)}` });
    }
  }
  return out;
}

/**
 * Value of a hook option: declared in the module's `options` (already typed in `o.pluginOptions`), else the
 * last config line naming it (kept in `o.unknownOptions`) parsed as `kind`, else `dflt`. A line read here is
 * taken out of `unknownOptions`. Throws ConfigError (file:line) on a bad value.
 */
export function pluginOption<T>(o: Options, name: string, kind: OptionKind, dflt: T): T {
  if (name in o.pluginOptions) return (o.pluginOptions[name] ?? dflt) as T;
  const raw = o.unknownOptions[name];
  if (!raw) return dflt;
  try {
    const v = parseAs(name, kind, dflt, raw.value, o.component) as T;
    delete o.unknownOptions[name];
    o.pluginOptions[name] = v;
    return v;
  } catch (e: unknown) {
    throw new ConfigError(`${name}: ${describeError(e)}`, { file: raw.file, line: raw.line, cause: e });
  }
}
