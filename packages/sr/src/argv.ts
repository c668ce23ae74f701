// sr3's command-line options: `--option value`, `-pb value` (sr3_post's short names), `--option=value`, taken out
// of argv as configuration lines before yargs sees the rest (yargs would read `-pb` as `-p -b`, and `--inline start`
// as inline=start). Which option takes a value comes from the option table.
import { resolveOption } from '@sarra/config';

/** The CLI's own flags (parsed by yargs): these take no value. */
const CLI_BOOLEAN = new Set(['json', 'full', 'users', 'wololo', 'v2', 'help', 'h', 'version', 'V']);
/** The CLI's own flags that take one value (`--dangerWillRobinson` takes one only as `=N` or when a number follows). */
const CLI_VALUED = new Set(['serve', 'config', 'c']);
const BOOLEAN_WORD = /^(on|off|true|false|yes|no)$/i;

export interface SplitArgv {
  /** what yargs parses: the CLI's flags and the positional words */ argv: string[];
  /** each configuration option given on the command line, as a configuration line (`post_broker amqp://...`) */ lines: string[];
}

/**
 * Splits argv into the CLI's part and configuration overrides. `component` chooses component synonyms (a poll's
 * `destination`); `verbs` are never taken as the value of an option the table does not know.
 */
export function splitOverrides(args: string[], component: string, verbs: ReadonlySet<string>): SplitArgv {
  const argv: string[] = [];
  const lines: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const m = /^--?([A-Za-z_][\w.-]*)(?:=([\s\S]*))?$/.exec(a);
    if (!m) { argv.push(a); continue; }
    const name = m[1]!, inline = m[2];
    const next = args[i + 1];
    if (CLI_BOOLEAN.has(name) || CLI_VALUED.has(name) || name === 'dangerWillRobinson') {
      // v2 wrote long options with one dash (-config x): yargs wants two
      argv.push(name.length > 1 && !a.startsWith('--') ? `-${a}` : a);
      const valued = CLI_VALUED.has(name) || (name === 'dangerWillRobinson' && /^\d+$/.test(next ?? ''));
      if (inline === undefined && valued && next !== undefined) argv.push(args[++i]!);
      continue;
    }
    let value = inline;
    if (value === undefined && next !== undefined && !next.startsWith('-')) {
      const spec = resolveOption(name, component)?.spec;
      const takes = spec ? spec.kind !== 'flag' || BOOLEAN_WORD.test(next) : !verbs.has(next);
      if (takes) { value = next; i++; }
    }
    lines.push(value === undefined ? name : `${name} ${value}`);
  }
  return { argv, lines };
}

/** The overrides back as arguments (`--name=value`), unambiguous to a second splitOverrides. */
export function overrideArgs(lines: string[]): string[] {
  return lines.map((l) => {
    const sp = l.indexOf(' ');
    return sp < 0 ? `--${l}` : `--${l.slice(0, sp)}=${l.slice(sp + 1)}`;
  });
}
