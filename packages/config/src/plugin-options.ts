// Options declared by flow hooks (sr3 `add_option(name, kind, default)`): typed from the unknown option lines.
import { ConfigError, describeError } from '@sarra/common';
import { opt, parseScalar } from './option-kinds.js';
import type { OptionKind, Options } from './types.js';

/**
 * Value of a hook-declared option: the last config line naming it (kept in `o.unknownOptions`), parsed as
 * `kind` (lists split on commas/spaces, sets likewise), else `dflt`. Once declared, the name is removed from
 * `unknownOptions` so it is no longer reported as undeclared. Throws ConfigError (file:line) on a bad value.
 */
export function pluginOption<T>(o: Options, name: string, kind: OptionKind, dflt: T): T {
  const raw = o.unknownOptions[name];
  if (!raw) return dflt;
  delete o.unknownOptions[name];
  try {
    if (kind === 'list') return raw.value.split(/[\s,]+/).filter((s) => s !== '') as T;
    if (kind === 'set') return new Set(raw.value.split(/[\s,]+/).filter((s) => s !== '')) as T;
    return parseScalar(opt(name, kind, dflt, ''), raw.value, { component: o.component }) as T;
  } catch (e: unknown) {
    throw new ConfigError(`${name}: ${describeError(e)}`, { file: raw.file, line: raw.line, cause: e });
  }
}
