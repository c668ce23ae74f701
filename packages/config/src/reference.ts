// The option reference (Markdown) generated from the one option table: packages/config/OPTIONS.md, printed by scripts/reference.ts:
// what sarra-ts does, what it refuses and why, and the v2 options it drops as sr3 does.
import { OBSOLETE_V2 } from './legacy.js';
import { OPTIONS } from './options.js';
import type { OptionSpec } from './types.js';

function show(v: unknown): string {
  if (v === undefined) return '–';
  if (v instanceof Set) return [...v].join(',') || 'None';
  if (Array.isArray(v)) return v.length ? v.join(',') : '–';
  return String(v);
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

function dflt(s: OptionSpec): string {
  return s.kind === 'octal' && typeof s.default === 'number' ? `0o${s.default.toString(8)}` : show(s.default);
}

function synonyms(s: OptionSpec): string {
  return [
    ...s.synonyms,
    ...(s.invertedSynonyms ?? []).map((n) => `${n} (inverted)`),
    ...Object.entries(s.componentSynonyms ?? {}).flatMap(([c, ns]) => ns.map((n) => `${n} (${c})`)),
  ].join(', ');
}

/** One Markdown table row per supported option: name, kind, default, per-component defaults, synonyms, doc (+ refused values). */
function supported(): string[] {
  const rows = OPTIONS.filter((s) => !s.unsupported).map((s) => {
    const per = Object.entries(s.componentDefaults ?? {}).map(([c, v]) => `${c}: ${show(v)}`).join('; ');
    const refused = Object.entries(s.unsupportedValues ?? {}).map(([v, why]) => ` Not supported: \`${v}\` (${why}).`).join('');
    return `| ${s.name} | ${s.kind} | ${cell(dflt(s))} | ${per} | ${synonyms(s)} | ${cell(s.doc + refused)} |`;
  });
  return ['| option | kind | default | per component | synonyms (v2) | meaning |', '|---|---|---|---|---|---|', ...rows];
}

/** The options sarra-ts refuses: what sr3 does with them, why not here, and the values that are accepted. */
function unsupported(): string[] {
  const rows = OPTIONS.filter((s) => s.unsupported).map((s) => {
    const ok = (s.honoured ?? [s.default]).map((v) => `\`${show(v)}\``).join(', ') || 'none';
    return `| ${s.name} | ${synonyms(s)} | ${cell(s.doc)} | ${cell(s.unsupported!)} | ${cell(ok)} |`;
  });
  return [
    '## Not supported by sarra-ts',
    '',
    'A line setting one of these to anything but an accepted value is refused by `sr lint` and `sr start`:',
    '`file:line: <option>: not supported by sarra-ts (<why>)`.',
    '',
    '| option | synonyms (v2) | in sr3 | why not, or what to use instead | accepted values |',
    '|---|---|---|---|---|',
    ...rows,
  ];
}

function obsolete(): string[] {
  const rows = Object.entries(OBSOLETE_V2).map(([name, hint]) => `| ${name} | ${cell(hint)} |`);
  return [
    '## Obsolete v2 options',
    '',
    'Dropped with a warning naming `file:line`, as sr3 does (v2 plugins sr3 replaces by built-in behaviour likewise).',
    '',
    '| option | note |',
    '|---|---|',
    ...rows,
  ];
}

/** The whole reference: supported options, unsupported ones with their reasons, obsolete v2 ones. */
export function optionReference(): string {
  return [...supported(), '', ...unsupported(), '', ...obsolete()].join('\n') + '\n';
}
