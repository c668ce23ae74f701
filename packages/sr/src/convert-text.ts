// `sr convert`, the pure part: rewrites one v2 or sr3 configuration text into sarra-ts's language, line by line,
// and says what it could not convert. The option table (@sarra/config) decides names; convert-plugins the rest.
import {
  CONSUMERS, PRODUCERS, isBuiltinPlugin, isNativeCallback, newParseState, parseLine, pluginFate, pluginName, resolveOption,
} from '@sarra/config';
import { scanFacts, splitLine, type Facts, type Line } from './convert-facts.js';
import { CALLBACK_KEYS, V2_PLUGIN_KEYS } from './convert-plugins.js';

/** What a converted line needs: `info` was converted (or dropped) as sr3 would; `problem` needs a person. */
export interface Note {
  /** 1-based line of the input. */
  line: number;
  severity: 'info' | 'problem';
  message: string;
}

export interface ConvertInput {
  text: string;
  /** Component of the configuration (cpost/cpump already mapped); '' for default.conf, admin.conf. */
  component: string;
  from: 'v2' | 'sr3';
  /** A configuration (`<component>/<name>.conf`), not an include or a root file: v2 defaults are made explicit. */
  isConfig?: boolean;
  /** Texts read with this one (default.conf, admin.conf, <component>.conf, its includes), for what they set. */
  context?: readonly string[];
  /** Dotted names of the JS/TS hooks present in the destination's plugins directory. */
  plugins?: ReadonlySet<string>;
}

export interface ConvertResult {
  text: string;
  notes: Note[];
  /** `old -> new` option renames made. */
  renamed: string[];
}

const KEPT_DIRECTIVES = new Set(['include', 'config', '-c', 'declare', 'header', 'set', 'subtopic']);
const V2_DATES: Record<string, string> = {
  YYYYMMDDHH: '%Y%m%d%H', YYYYMMDD: '%Y%m%d', YYYY: '%Y', JJJ: '%j', HH: '%H', DD: '%d', MM: '%m', SS: '%S',
};
const SCHEDULES = ['scheduled_interval', 'scheduled_hour', 'scheduled_minute', 'scheduled_time'];
const PORT = 'port it to a JS/TS hook in ~/.config/sarra/plugins';

/** v2/Sundew date variables as sr3 writes them (`${YYYYMMDD-1D}` -> `${%o-1d%Y%m%d}`), as sr3 convert does. */
export function strftimeDates(value: string): string {
  return value.replace(/\$\{(YYYYMMDDHH|YYYYMMDD|YYYY|JJJ|HH|DD|MM|SS)([+-]\d+(?:\.\d+)?[smhdwSMHDW]?)?\}/g,
    (_w, name: string, off?: string) => (off ? `\${%o${off.toLowerCase()}${V2_DATES[name]}}` : `\${${V2_DATES[name]}}`));
}

/**
 * Why the option table drops a line as an obsolete v2 leftover (sr3's `convert_to_v3` "continue" entries, v2
 * plugins built in), asked of the parser itself so there is one list: undefined when it does not.
 */
function obsoleteWhy(key: string, value: string, component: string): string | undefined {
  const st = newParseState(component, 'convert', {});
  parseLine(st, `${key} ${value}`, 'convert', 1);
  return st.diagnostics.find((d) => d.code === 'obsolete')?.message;
}

/** The lines v2 meant without writing them, where sarra-ts's (sr3's) default differs (COMPAT §1, UPGRADING). */
function v2Defaults(component: string, f: Facts): [string, string][] {
  const out: [string, string][] = [];
  const posts = PRODUCERS.includes(component) || f.set.has('post_broker') || f.set.has('post_exchange');
  if (CONSUMERS.includes(component) && !f.set.has('topicPrefix')) out.push(['topicPrefix v02.post', "v2's topic prefix (sr3: v03)"]);
  if (posts && !f.set.has('post_topicPrefix') && !f.set.has('topicPrefix')) {
    out.push(['post_topicPrefix v02.post', 'v2 posted v02 messages (sr3: v03)']);
  }
  const rejectsUnmatched = component === 'poll' || (['subscribe', 'sarra', 'sender'].includes(component) && f.masks > 0);
  if (rejectsUnmatched && !f.set.has('acceptUnmatched') && !f.acceptAll) {
    out.push(['acceptUnmatched off', `v2 ${component} rejected what no accept line matched (sr3: acceptUnmatched True)`]);
  }
  if (component === 'sender' && !f.set.has('mirror')) out.push(['mirror off', 'v2 sender did not mirror (sr3: mirror True)']);
  if (component === 'subscribe' && !f.set.has('inflight')) out.push(['inflight .tmp', 'v2 subscribe wrote <name>.tmp then renamed (sr3: None)']);
  return out;
}

/** Converts one configuration text. Comments, blank lines and spacing are kept; changed lines are rewritten. */
export function convertText(input: ConvertInput): ConvertResult {
  const { component, from } = input;
  const v2 = from === 'v2';
  const lines = input.text.split('\n');
  const facts = scanFacts([...(input.context ?? []), input.text], component);
  const notes: Note[] = [];
  const renamed: string[] = [];
  const emitted = new Set<string>();
  const out: string[] = [];
  const problem = (n: number, message: string, line: string[]): void => {
    notes.push({ line: n, severity: 'problem', message });
    out.push(`# sr convert: ${message}`, ...line);
  };
  const info = (n: number, message: string): void => void notes.push({ line: n, severity: 'info', message });
  const write = (l: Line, key: string, value: string): string => `${l.indent}${key}${value === '' ? '' : l.sep + value}`;

  lines.forEach((raw, i) => {
    const n = i + 1;
    const l = splitLine(raw);
    if (!l) return void out.push(raw);
    const { key, value } = l;
    const rename = (to: string, v = value): void => {
      if (to !== key) renamed.push(`${key} -> ${to}`);
      out.push(write(l, to, v));
    };

    if (key === 'accept' || key === 'reject' || key === 'get') {
      // v2 poll's `get` is sr3's accept (UPGRADING "sr3 poll works very differently")
      return rename(key === 'get' ? 'accept' : key, v2 ? strftimeDates(value) : value);
    }
    if (KEPT_DIRECTIVES.has(key)) return void out.push(raw);
    if (V2_PLUGIN_KEYS.has(key)) return plugin(n, l);
    if (CALLBACK_KEYS.has(key)) return callbackLine(n, l);
    if (key === 'import') return problem(n, `import ${value}: a Python module for sr3; sarra-ts loads none (${PORT})`, [raw]);

    // v2 moves: the poll/post/watch broker and exchange are the post side (v2 sr_watch(1)); a poll lists `path`
    // (was directory) every scheduled_interval (was sleep); post/watch read `path`, never directory (sr3 convert, UPGRADING)
    if (v2 && PRODUCERS.includes(component)) {
      if (key === 'broker' && !facts.set.has('post_broker')) return rename('post_broker');
      if (key === 'exchange' && !facts.set.has('post_exchange')) return rename('post_exchange');
      if (key === 'directory' && component === 'poll') return rename('path');
      if (key === 'sleep' && component === 'poll' && !SCHEDULES.some((k) => facts.set.has(k))) return rename('scheduled_interval');
      if (key === 'directory') {
        if (!facts.set.has('path')) return rename('path');
        return info(n, `directory ${value}: no meaning for a ${component} beside its path lines, dropped`);
      }
    }

    const obsolete = obsoleteWhy(key, value, component);
    if (obsolete) return info(n, `${obsolete}; dropped`);
    const r = resolveOption(key, component);
    if (r) {
      const name = r.spec.name;
      let v = v2 ? strftimeDates(value) : value;
      if (r.inverted) {
        // no_download / notify_only (a flag: no value means on) -> download off
        return rename(name, /^(off|false|no|0)$/i.test(value.trim()) ? 'on' : 'off');
      }
      if (name === 'fileEvents') v = v.replace(/\|/g, ','); // v2 separated events with |
      if (name === 'identity' && r.spec.parse) {
        try {
          v = String(r.spec.parse(value, { component }));
        } catch {
          /* left as written: lint names the bad value */
        }
      }
      return rename(name, v);
    }
    const owner = [...facts.plugins].find((p) => key === p || key.startsWith(`${p}_`));
    if (owner) {
      const fate = pluginFate(owner);
      if (fate && fate.kind !== 'callback') return info(n, `${key}: option of v2 plugin ${owner}, dropped with it`);
      return problem(n, `${key}: option of v2 plugin ${owner}; kept for its port`, [raw]);
    }
    problem(n, `${key}: not an option sarra-ts knows${from === 'sr3' ? ' (an option of a Python callback?)' : ''}; kept, sr lint refuses it`, [raw]);
  });

  function plugin(n: number, l: Line): void {
    const raw = lines[n - 1]!;
    const name = pluginName(l.value);
    const what = `${l.key} ${l.value}`;
    if (name === '' || name.toLowerCase() === 'none') return info(n, `${what}: resets v2's default plugins; sarra-ts has none, dropped`);
    const fate = pluginFate(name);
    const obsolete = fate ? undefined : obsoleteWhy(l.key, l.value, component);
    if (obsolete) return info(n, `${obsolete}; dropped`);
    if (!fate) {
      const why = l.key.startsWith('do_') || ['on_line', 'on_html_page', 'on_part', 'destfn_script'].includes(l.key)
        ? `${l.key} plugins work differently in sr3 and must be ported by hand` : 'no sr3 or sarra-ts equivalent known';
      return problem(n, `${what}: v2 plugin, ${why}; kept (${PORT}, named by a callback line)`, [raw]);
    }
    switch (fate.kind) {
      case 'option':
        info(n, `${what}: ${fate.why} (${fate.line})`);
        if (!emitted.has(fate.line)) out.push(l.indent + fate.line);
        emitted.add(fate.line);
        return;
      case 'builtin':
      case 'obsolete':
        return info(n, `${what}: ${fate.why}`);
      case 'callback': {
        const line = `${l.indent}callback ${fate.sr3}`;
        if (input.plugins?.has(fate.sr3)) return void out.push(line);
        if (isBuiltinPlugin(fate.sr3)) {
          out.push(line);
          return info(n, `${what}: built-in plugin ${fate.sr3} of sarra-ts`);
        }
        return problem(n, `${what}: sr3 ported it as callback ${fate.sr3} (Python); sarra-ts has no built-in, ${PORT}`, [line]);
      }
    }
  }

  function callbackLine(n: number, l: Line): void {
    const name = resolveOption(l.key, component)?.spec.name ?? l.key;
    if (name !== l.key) renamed.push(`${l.key} -> ${name}`);
    const line = write(l, name, l.value);
    const foreign = l.value.split(/[\s,]+/).filter((s) => s !== '' && !isNativeCallback(s) && !isBuiltinPlugin(s) && !input.plugins?.has(s));
    if (foreign.length === 0) return void out.push(line);
    problem(n, `${l.key} ${foreign.join(' ')}: an sr3 (Python) callback; sarra-ts loads JS/TS hooks only, ${PORT} under the same name`, [line]);
  }

  if (v2 && input.isConfig) {
    const added = v2Defaults(component, facts);
    if (added.length) {
      out.unshift('# sr convert: v2 defaults made explicit (sr3 and sarra-ts default otherwise)', ...added.map(([l]) => l));
      notes.unshift(...added.map(([l, why]): Note => ({ line: 0, severity: 'info', message: `added '${l}': ${why}` })));
    }
  }
  return { text: out.join('\n'), notes, renamed };
}
