// `sr convert`: brings an sr3 tree (~/.config/sr3) or v2 configurations into ~/.config/sarra, renaming v2 option names.
import { access, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { configDir } from '@sarra/common';
import { COMPONENTS, OPTIONS, lintConfig } from '@sarra/config';
import type { Ctx } from './context.js';

/** v2/old name -> sr3 name, from the one option table's synonyms. */
function synonymMap(): Map<string, string> {
  const m = new Map<string, string>();
  for (const spec of OPTIONS) for (const s of spec.synonyms) if (s !== spec.name) m.set(s, spec.name);
  return m;
}

/**
 * Rewrites one configuration text: each line whose first word is an old option name gets the sr3 name;
 * comments, spacing and values are kept. For v2 input, `topicPrefix v02.post` (and `post_topicPrefix` when it
 * posts) are added when absent, since v2 defaulted to them. Returns the text and the renames made.
 */
export function convertText(text: string, opts: { v2: boolean }): { text: string; renamed: string[] } {
  const syn = synonymMap();
  const renamed: string[] = [];
  const seen = new Set<string>();
  const lines = text.split('\n').map((line) => {
    const m = /^(\s*)([A-Za-z_][\w-]*)(\s.*)?$/.exec(line);
    if (!m) return line;
    const [, indent, word, rest = ''] = m;
    const to = syn.get(word!) ?? syn.get(word!.toLowerCase());
    seen.add(to ?? word!);
    if (!to) return line;
    renamed.push(`${word} -> ${to}`);
    return `${indent}${to}${rest}`;
  });
  if (opts.v2) {
    const head: string[] = [];
    if (!seen.has('topicPrefix')) head.push('topicPrefix v02.post');
    if (!seen.has('post_topicPrefix') && (seen.has('post_broker') || seen.has('post_exchange'))) head.push('post_topicPrefix v02.post');
    if (head.length) lines.unshift('# added by sr convert: v2 defaults', ...head);
  }
  return { text: lines.join('\n'), renamed };
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(() => true, () => false);
}

/** Files to convert: [source, destination relative to the config dir]. */
async function plan(src: string): Promise<[string, string][]> {
  const st = await stat(src);
  if (st.isFile()) {
    const comp = basename(dirname(src));
    const name = basename(src);
    return [[src, COMPONENTS.includes(comp) ? join(comp, name) : name]];
  }
  const out: [string, string][] = [];
  for (const n of await readdir(src)) {
    if (/\.(conf|inc)$/.test(n)) out.push([join(src, n), n]);
  }
  for (const comp of COMPONENTS) {
    const names = await readdir(join(src, comp)).catch(() => [] as string[]);
    for (const n of names) if (/\.(conf|inc)$/.test(n)) out.push([join(src, comp, n), join(comp, n)]);
  }
  return out;
}

/** `sr convert <file|dir>`: converts into ~/.config/sarra (no overwrite without --wololo), then lints the result. */
export async function doConvert(ctx: Ctx): Promise<number> {
  const dst = configDir(ctx.env);
  const sources = ctx.args.configs.length ? ctx.args.configs : [join(ctx.env.XDG_CONFIG_HOME || join(ctx.env.HOME ?? '', '.config'), 'sr3')];
  let rc = 0;
  const converted: { component: string; config: string }[] = [];
  for (const s of sources) {
    const src = resolve(s);
    if (src === dst || src.startsWith(dst + '/')) { ctx.err(`${s}: already in ${dst}`); rc = 1; continue; }
    if (!(await exists(src))) { ctx.err(`${s}: no such file or directory`); rc = 1; continue; }
    // v2 trees live in .../sarra (v2's own directory name); sr3 trees in .../sr3
    const v2 = ctx.args.v2 || (/(^|\/)sarra(\/|$)/.test(src) && !/(^|\/)sr3(\/|$)/.test(src));
    for (const [from, rel] of await plan(src)) {
      const to = join(dst, rel);
      if (await exists(to) && !ctx.args.wololo) { ctx.err(`${to} exists, not overwritten (--wololo to overwrite)`); rc = 1; continue; }
      const text = await readFile(from, 'utf8');
      const isConfig = rel.endsWith('.conf') && rel.includes('/');
      const { text: out, renamed } = rel === 'credentials.conf' ? { text, renamed: [] } : convertText(text, { v2: v2 && isConfig });
      await mkdir(dirname(to), { recursive: true });
      await writeFile(to, out, { mode: rel === 'credentials.conf' ? 0o600 : 0o644 });
      ctx.out(`converted ${from} -> ${to}${renamed.length ? ` (${renamed.join(', ')})` : ''}`);
      if (isConfig) converted.push({ component: dirname(rel), config: basename(rel, '.conf') });
    }
  }
  for (const c of converted) {
    const errors = (await lintConfig(c.component, c.config, { env: ctx.env })).filter((d) => d.severity === 'error');
    for (const d of errors) ctx.err(`${d.file}:${d.line}: ${d.message}`);
    if (errors.length) rc = 1;
  }
  return rc;
}
