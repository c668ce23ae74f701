// The option reference (Markdown) generated from the one option table, for docs and `sr show --options`.
import { OPTIONS } from './options.js';

function show(v: unknown): string {
  if (v === undefined) return '–';
  if (v instanceof Set) return [...v].join(',') || 'None';
  if (Array.isArray(v)) return v.length ? v.join(',') : '–';
  return String(v);
}

/** One Markdown table row per option: name, kind, default, per-component defaults, synonyms, doc. */
export function optionReference(): string {
  const rows = OPTIONS.map((s) => {
    const dflt = s.kind === 'octal' && typeof s.default === 'number' ? `0o${s.default.toString(8)}` : show(s.default);
    const per = Object.entries(s.componentDefaults ?? {}).map(([c, v]) => `${c}: ${show(v)}`).join('; ');
    const syn = [
      ...s.synonyms,
      ...(s.invertedSynonyms ?? []).map((n) => `${n} (inverted)`),
      ...Object.entries(s.componentSynonyms ?? {}).flatMap(([c, ns]) => ns.map((n) => `${n} (${c})`)),
    ].join(', ');
    return `| ${s.name} | ${s.kind} | ${dflt.replace(/\|/g, '\\|')} | ${per} | ${syn} | ${s.doc.replace(/\|/g, '\\|')} |`;
  });
  return ['| option | kind | default | per component | synonyms (v2) | meaning |', '|---|---|---|---|---|---|', ...rows].join('\n') + '\n';
}
