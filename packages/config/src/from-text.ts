// Options straight from config text (no files): for tests and embedded configurations.
import { ConfigError } from '@sarra/common';
import { Credentials } from './credentials.js';
import { newParseState, parseText, type IncludeResolver } from './parse.js';
import { checkSchemes } from './preflight.js';
import { checkOptions, resolveOptions } from './resolve.js';
import type { Env, Options } from './types.js';

/**
 * Parse `text` as the whole configuration of `component` (defaults applied, no default.conf/admin.conf)
 * and resolve it like loadConfig, without loading callback modules. Throws ConfigError (file:line) on the first
 * error, unknown options excepted (no callback declared them); `check: false` skips the whole-config checks
 * (missing broker, URL schemes...). Pure unless `include` is given.
 */
export function optionsFromText(
  component: string,
  text: string,
  opts: {
    config?: string; file?: string; env?: Env; now?: number; credentials?: Credentials; include?: IncludeResolver; check?: boolean;
  } = {},
): Options {
  const file = opts.file ?? `${component}/${opts.config ?? 'test'}.conf`;
  const st = newParseState(component, opts.config ?? 'test', opts.env ?? {}, opts.now);
  parseText(st, text, file, opts.include);
  const o = resolveOptions(st, opts.credentials ?? Credentials.empty(), file);
  const diags = [...st.diagnostics, ...(opts.check === false ? [] : [...checkOptions(o, file), ...checkSchemes(o, file)])];
  const first = diags.find((d) => d.severity === 'error' && d.code !== 'unknown-option');
  if (first) throw new ConfigError(first.message, { file: first.file, line: first.line || undefined });
  return o;
}
