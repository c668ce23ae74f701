// Python ConfigParser's INI dialect as SSM reads it: [section], `key: value` or `key = value`,
// `#`/`;` comment lines, indented continuation lines, keys case-insensitive. Pure: no I/O.
import { ConfigError } from '@sarra/common';

/** One `key: value` entry with where it was written. */
export interface IniEntry {
  section: string;
  key: string;
  value: string;
  line: number;
}

/** Parsed INI text: entries in file order, and the line of each section header. */
export interface IniFile {
  file: string;
  entries: IniEntry[];
  sections: Map<string, number>;
}

/**
 * Parses INI `text` (named `file` in errors). Throws ConfigError with `file:line` for a key before
 * any section, a line that is neither a header, a comment nor `key: value`, or a key given twice.
 */
export function parseIni(text: string, file: string): IniFile {
  const entries: IniEntry[] = [];
  const sections = new Map<string, number>();
  let section: string | undefined;
  let last: IniEntry | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = i + 1;
    if (/^\s*$/.test(raw)) { last = undefined; continue; }
    if (/^\s*[#;]/.test(raw)) continue;
    if (/^\s/.test(raw) && last) { // continuation of the previous value
      last.value = last.value ? `${last.value}\n${raw.trim()}` : raw.trim();
      continue;
    }
    const header = /^\[([^\]]+)\]\s*$/.exec(raw);
    if (header) {
      section = header[1]!.trim();
      if (sections.has(section)) throw new ConfigError(`section [${section}] given twice (first at line ${sections.get(section)})`, { file, line });
      sections.set(section, line);
      last = undefined;
      continue;
    }
    const kv = /^([^:=]+?)\s*[:=]\s*(.*?)\s*$/.exec(raw);
    if (!kv) throw new ConfigError(`not an INI line (expected [section] or key: value): ${raw.trim()}`, { file, line });
    if (section === undefined) throw new ConfigError(`key '${kv[1]}' before any [section]`, { file, line });
    const key = kv[1]!.trim().toLowerCase();
    const dup = entries.find((e) => e.section === section && e.key === key);
    if (dup) throw new ConfigError(`[${section}] ${key} given twice (first at line ${dup.line})`, { file, line });
    last = { section, key, value: kv[2]!, line };
    entries.push(last);
  }
  return { file, entries, sections };
}
