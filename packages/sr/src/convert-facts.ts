// `sr convert`: what a configuration (with the files that apply with it) sets, read before its lines are rewritten.
import { parseDuration } from '@sarra/common';
import { resolveOption } from '@sarra/config';
import { pluginName } from '@sarra/config';
import { V2_PLUGIN_KEYS } from './convert-plugins.js';

/** One option line: its indent, name, the space after the name, and its value (trimmed). */
export interface Line {
  indent: string;
  key: string;
  sep: string;
  value: string;
}

/** Splits an option line; undefined for blank lines and comments. */
export function splitLine(raw: string): Line | undefined {
  const m = /^(\s*)([^\s#]\S*)(?:(\s+)(.*?))?\s*$/.exec(raw);
  if (!m) return undefined;
  return { indent: m[1]!, key: m[2]!, sep: m[3] ?? ' ', value: m[4] ?? '' };
}

/** What the lines of a configuration and the files read with it set (sr3 option names). */
export interface Facts {
  /** sr3 names of the options set anywhere (plus `accept`/`reject` for mask lines). */
  set: Set<string>;
  /** accept/reject (and v2 `get`) lines. */
  masks: number;
  /** An `accept .*` line: every message matches a mask, so acceptUnmatched never decides. */
  acceptAll: boolean;
  /** v2 plugins named by plugin / on_* / do_* lines. */
  plugins: Set<string>;
  /** The last `sleep` value, seconds (cpost: > 0 makes it a watch). */
  sleep?: number;
}

/** Reads the facts of `texts` (the configuration and what applies with it) for `component`. */
export function scanFacts(texts: readonly string[], component: string): Facts {
  const f: Facts = { set: new Set(), masks: 0, acceptAll: false, plugins: new Set() };
  for (const text of texts) {
    for (const raw of text.split('\n')) {
      const l = splitLine(raw);
      if (!l) continue;
      if (l.key === 'accept' || l.key === 'reject' || l.key === 'get') {
        f.masks++;
        if (l.key !== 'reject' && l.value.split(/\s+/)[0] === '.*') f.acceptAll = true;
        continue;
      }
      if (V2_PLUGIN_KEYS.has(l.key)) {
        const p = pluginName(l.value);
        if (p && p.toLowerCase() !== 'none') f.plugins.add(p);
        continue;
      }
      const name = resolveOption(l.key, component)?.spec.name ?? l.key;
      f.set.add(name);
      if (name === 'sleep') {
        try {
          f.sleep = parseDuration(l.value);
        } catch {
          f.sleep = undefined;
        }
      }
    }
  }
  return f;
}

/** Where a C component's configuration goes: sr3_cpump is a shovel; sr3_cpost a watch when sleep > 0, else a post. */
export function componentOf(dir: string, text: string): string {
  if (dir === 'cpump') return 'shovel';
  if (dir === 'cpost') return (scanFacts([text], 'post').sleep ?? 0) > 0 ? 'watch' : 'post';
  return dir;
}
