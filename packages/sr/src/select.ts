// Selects configurations from `component/config` patterns with shell-style globs (`subscribe/*`, `*/foo`).

/** A configuration known on disk. */
export interface ConfigRef { component: string; config: string; file?: string }

/** Turns a shell glob (`*`, `?`, `[abc]`) into an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Splits a pattern into component and config parts; a bare word is a component when it names one, else a config. */
function split(pattern: string, components: readonly string[]): [string, string] {
  const p = pattern.replace(/\.conf$/, '').replace(/\/+$/, '');
  const slash = p.indexOf('/');
  if (slash >= 0) return [p.slice(0, slash), p.slice(slash + 1)];
  return components.includes(p) ? [p, '*'] : ['*', p];
}

/**
 * Configurations matching any pattern, in listing order, each once. No pattern selects all.
 * Returns the matches and the patterns that matched nothing (so the CLI can say so).
 */
export function selectConfigs(all: ConfigRef[], patterns: string[], components: readonly string[]): { selected: ConfigRef[]; unmatched: string[] } {
  if (patterns.length === 0) return { selected: [...all], unmatched: [] };
  const matchers = patterns.map((p) => {
    const [c, n] = split(p, components);
    return { pattern: p, comp: globToRegExp(c), conf: globToRegExp(n), hit: false };
  });
  const selected = all.filter((ref) => {
    let any = false;
    for (const m of matchers) {
      if (m.comp.test(ref.component) && m.conf.test(ref.config)) { m.hit = true; any = true; }
    }
    return any;
  });
  return { selected, unmatched: matchers.filter((m) => !m.hit).map((m) => m.pattern) };
}
