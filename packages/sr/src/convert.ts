// `sr convert`: brings sr3 trees (~/.config/sr3) and v2 configurations (~/.config/sarra, v2's own place, converted
// in place) into sarra-ts's ~/.config/sarra, reports each line it could not convert, then lints the result.
import { access, chmod, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { configDir } from '@sarra/common';
import { COMPONENTS, lintConfig } from '@sarra/config';
import type { Ctx } from './context.js';
import { componentOf } from './convert-facts.js';
import { convertText, type Note } from './convert-text.js';

/** What `sr convert --help` prints. */
export const CONVERT_HELP = `usage: sr convert [--v2] [--wololo] [<component>/<name> | <file> | <directory> ...]

Converts sr3 and v2 configurations into sarra-ts's tree (~/.config/sarra), as sr3's own \`sr3 convert\` does:
option names from the option table, v2 plugin lines mapped to built-in equivalents, v2 defaults made explicit
(topicPrefix v02.post, acceptUnmatched off, ...), poll destination/directory/get/sleep as pollUrl/path/accept/
scheduled_interval, cpost/cpump as watch or post/shovel. Every line it could not convert is printed as
file:line: <why> (and marked '# sr convert:' in the result); then the converted configurations are linted.

arguments:
  (none)              the whole sr3 tree, ~/.config/sr3 (with --v2: every v2 configuration in ~/.config/sarra, in place)
  <component>/<name>  ~/.config/sr3/<component>/<name>.conf, else the v2 one in ~/.config/sarra, converted in place
  <file> | <dir>      a configuration file or a tree elsewhere (v2 when its path has a 'sarra' directory, or --v2)

options:
  --v2      the input is v2 (for <component>/<name>: only ~/.config/sarra is looked at)
  --wololo  overwrite existing configurations (sr3's flag); a v2 file converted in place is kept as <file>.v2
            and is not converted again while that copy exists, unless --wololo
exit status: 0 when everything converted and linted clean, 1 otherwise.`;

/** One file to convert. */
interface Job {
  /** Source file. */ from: string;
  /** Destination, relative to ~/.config/sarra. */ rel: string;
  /** Root of the source tree (default.conf, admin.conf, includes). */ root: string;
  /** Directory it came from (a component, or cpost/cpump). */ dir: string;
  kind: 'v2' | 'sr3';
  /** Part of a whole tree: an already converted file is skipped, not an error. */ tree?: boolean;
}

const DIRS = [...COMPONENTS, 'cpost', 'cpump'];
const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);
const readOr = (p: string): Promise<string | undefined> => readFile(p, 'utf8').catch(() => undefined);

/** Every .conf and .inc of a tree: root files, then each component directory (cpost, cpump included). */
async function treeJobs(root: string, kind: Job['kind']): Promise<Job[]> {
  const jobs: Job[] = [];
  for (const n of (await readdir(root).catch(() => [] as string[])).sort()) {
    if (/\.(conf|inc)$/.test(n)) jobs.push({ from: join(root, n), rel: n, root, dir: '', kind, tree: true });
  }
  for (const dir of DIRS) {
    for (const n of (await readdir(join(root, dir)).catch(() => [] as string[])).sort()) {
      if (/\.(conf|inc)$/.test(n)) jobs.push({ from: join(root, dir, n), rel: join(dir, n), root, dir, kind, tree: true });
    }
  }
  return jobs;
}

/** The first existing of `<base>/<name>`, `.conf`, `.inc`. */
async function findNamed(base: string, name: string): Promise<string | undefined> {
  for (const f of [join(base, name), join(base, `${name}.conf`), join(base, `${name}.inc`)]) {
    if (await stat(f).then((s) => s.isFile(), () => false)) return f;
  }
  return undefined;
}

/** The jobs of one command-line argument, or a reason it names nothing. */
async function argJobs(arg: string, ctx: Ctx, sr3Dir: string, dst: string): Promise<Job[] | string> {
  const path = resolve(arg);
  const st = await stat(path).catch(() => undefined);
  if (st) {
    const kind = ctx.args.v2 || (/(^|\/)sarra(\/|$)/.test(path) && !/(^|\/)sr3(\/|$)/.test(path)) ? 'v2' : 'sr3';
    if (st.isDirectory()) return treeJobs(path, kind);
    const dir = basename(dirname(path));
    const known = DIRS.includes(dir);
    return [{ from: path, rel: known ? join(dir, basename(path)) : basename(path), root: known ? dirname(dirname(path)) : dirname(path), dir: known ? dir : '', kind }];
  }
  const m = /^([^/]+)\/(.+)$/.exec(arg);
  if (!m || !DIRS.includes(m[1]!)) return `${arg}: no such file or directory, and not a <component>/<name>`;
  const [, dir, name] = m as unknown as [string, string, string];
  // sr3's habit: `sr3 convert subscribe/x` names a configuration; ours is in ~/.config/sr3 (sr3) or ~/.config/sarra (v2)
  const sr3File = ctx.args.v2 ? undefined : await findNamed(join(sr3Dir, dir), name);
  if (sr3File) return [{ from: sr3File, rel: join(dir, basename(sr3File)), root: sr3Dir, dir, kind: 'sr3' }];
  const v2File = await findNamed(join(dst, dir), name);
  if (v2File) return [{ from: v2File, rel: join(dir, basename(v2File)), root: dst, dir, kind: 'v2' }];
  return `${arg}: not found (looked for ${join(sr3Dir, dir, name)}.conf and ${join(dst, dir, name)}.conf)`;
}

/** Texts read with a configuration: default.conf, admin.conf, <component>.conf and its includes (recursively). */
async function contextOf(job: Job, text: string): Promise<string[]> {
  if (!job.dir) return [];
  const out: string[] = [];
  for (const f of ['default.conf', 'admin.conf', `${job.dir}.conf`]) {
    const t = await readOr(join(job.root, f));
    if (t !== undefined) out.push(t);
  }
  const seen = new Set<string>([job.from]);
  const walk = async (t: string, from: string): Promise<void> => {
    for (const m of t.matchAll(/^\s*(?:include|config|-c)\s+(\S+)/gm)) {
      const name = m[1]!;
      const bases = isAbsolute(name) ? [name] : [join(dirname(from), name), join(job.root, name)];
      for (const f of bases.flatMap((b) => [b, `${b}.conf`, `${b}.inc`])) {
        if (seen.has(f)) continue;
        const inc = await readOr(f);
        if (inc === undefined) continue;
        seen.add(f);
        out.push(inc);
        await walk(inc, f);
        break;
      }
    }
  };
  await walk(text, job.from);
  return out;
}

/** Dotted names of the JS/TS hooks under the destination's plugins directory (`accept/x.js` -> `accept.x`). */
async function pluginNames(dst: string): Promise<Set<string>> {
  const root = join(dst, 'plugins');
  const files = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  return new Set(files.filter((f) => /\.(m?js|m?ts)$/.test(f)).map((f) => f.slice(0, -extname(f).length).split('/').join('.')));
}

/** Where a job's file goes: cpump -> shovel, cpost -> watch (sleep > 0) or post; cpost includes at the root. */
function destination(job: Job, text: string): string {
  if (job.dir !== 'cpost' && job.dir !== 'cpump') return job.rel;
  const name = basename(job.rel);
  if (name.endsWith('.inc')) return job.dir === 'cpump' ? join('shovel', name) : name;
  return join(componentOf(job.dir, text), name);
}

/** `sr convert`: see CONVERT_HELP. */
export async function doConvert(ctx: Ctx): Promise<number> {
  const dst = configDir(ctx.env);
  const sr3Dir = join(ctx.env.XDG_CONFIG_HOME || join(ctx.env.HOME ?? '', '.config'), 'sr3');
  let failed = 0;
  const jobs: Job[] = [];
  if (ctx.args.configs.length === 0) {
    if (ctx.args.v2) jobs.push(...(await treeJobs(dst, 'v2')));
    else if (await exists(sr3Dir)) jobs.push(...(await treeJobs(sr3Dir, 'sr3')));
    else {
      ctx.err(`${sr3Dir}: no sr3 tree to convert (sr convert --help)`);
      return 1;
    }
  }
  for (const arg of ctx.args.configs) {
    const found = await argJobs(arg, ctx, sr3Dir, dst);
    if (typeof found === 'string') {
      ctx.err(found);
      failed++;
    } else jobs.push(...found);
  }

  const plugins = await pluginNames(dst);
  const converted: { component: string; config: string }[] = [];
  let problems = 0;
  for (const job of jobs) {
    const text = await readFile(job.from, 'utf8');
    const rel = destination(job, text);
    const to = join(dst, rel);
    const inPlace = resolve(to) === resolve(job.from);
    if (basename(rel) === 'credentials.conf') {
      if (inPlace) continue;
      if ((await exists(to)) && !ctx.args.wololo) {
        ctx.err(`${to} exists, not overwritten (--wololo to overwrite)`);
        failed++;
        continue;
      }
      await mkdir(dirname(to), { recursive: true });
      await writeFile(to, text, { mode: 0o600 });
      await chmod(to, 0o600);
      ctx.out(`copied ${job.from} -> ${to}`);
      continue;
    }
    if (inPlace && job.kind === 'sr3') continue;
    const backup = `${job.from}.v2`;
    if (inPlace && job.tree && !ctx.args.wololo && (await exists(backup))) {
      ctx.out(`skipped ${job.from}: already converted (the v2 original is ${basename(backup)})`);
      continue;
    }
    if (inPlace ? (await exists(backup)) && !ctx.args.wololo : (await exists(to)) && !ctx.args.wololo) {
      ctx.err(inPlace ? `${job.from}: already converted (the v2 original is ${backup}; --wololo to convert again)`
        : `${to} exists, not overwritten (--wololo to overwrite)`);
      failed++;
      continue;
    }
    const component = rel.includes('/') ? dirname(rel) : '';
    const isConfig = component !== '' && rel.endsWith('.conf');
    const r = convertText({ text, component, from: job.kind, isConfig, context: await contextOf(job, text), plugins });
    await mkdir(dirname(to), { recursive: true });
    if (inPlace) await writeFile(backup, text);
    await writeFile(to, r.text.endsWith('\n') || r.text === '' ? r.text : `${r.text}\n`);
    const moved = job.dir !== '' && job.dir !== component ? ` (sr3_${job.dir} configuration: a ${component || 'root include'})` : '';
    ctx.out(`converted ${job.from} (${job.kind}) -> ${inPlace ? `in place, original kept as ${basename(backup)}` : to}${moved}` +
      (r.renamed.length ? `; renamed ${r.renamed.join(', ')}` : ''));
    for (const n of r.notes) ctx.out(formatNote(job.from, n));
    problems += r.notes.filter((n) => n.severity === 'problem').length;
    if (isConfig) converted.push({ component, config: basename(rel, '.conf') });
  }

  let lintErrors = 0;
  const said = new Set<string>();
  for (const c of converted) {
    for (const d of await lintConfig(c.component, c.config, { env: ctx.env })) {
      const line = `${d.file}:${d.line}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
      if (said.has(line)) continue;
      said.add(line);
      if (d.severity === 'error') lintErrors++;
      ctx.out(line);
    }
  }
  const where = jobs.length ? ` into ${dst}` : '';
  ctx.err(`sr convert: ${converted.length} configuration(s) converted${where}; ` +
    `${problems} line(s) need a person; lint: ${lintErrors ? `${lintErrors} error(s)` : 'clean'}` +
    (failed ? `; ${failed} not converted` : ''));
  return failed || problems || lintErrors ? 1 : 0;
}

/** `file:line: message` (`note:` for what was converted or dropped as sr3 would); line 0 = the whole file. */
function formatNote(file: string, n: Note): string {
  return `${file}:${n.line}: ${n.severity === 'info' ? 'note: ' : ''}${n.message}`;
}
