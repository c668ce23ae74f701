// Translation of sr3 (Python `re.match`) accept/reject patterns into JS RegExp anchored at the start.

/**
 * Translate a Python regex as used by sr3 masks to a JS RegExp.
 * - `re.match` anchors at the start only: wrap as `^(?:...)` unless it already starts with `^`.
 * - `(?P<name>...)` -> `(?<name>...)`, `(?P=name)` -> `\k<name>`, `\A` -> `^`, `\Z` -> `$`.
 * - A leading inline flag group `(?i)`/`(?s)`/`(?m)` becomes JS flags.
 * Throws Error (with the JS engine's reason) when the pattern does not compile.
 */
export function pythonRegex(pattern: string): RegExp {
  let src = pattern;
  let flags = '';
  const inline = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (inline) {
    for (const f of inline[1]!) if ('ims'.includes(f) && !flags.includes(f)) flags += f;
    src = src.slice(inline[0].length);
  }
  src = src
    .replace(/\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/g, '\\k<$1>')
    .replace(/\\A/g, '^')
    .replace(/\\Z/g, '$');
  if (!src.startsWith('^')) src = `^(?:${src})`;
  try {
    return new RegExp(src, flags);
  } catch (e: unknown) {
    const why = e instanceof Error ? e.message.replace(/^Invalid regular expression: /, '') : String(e);
    throw new Error(`bad regular expression '${pattern}': ${why}`, { cause: e });
  }
}
