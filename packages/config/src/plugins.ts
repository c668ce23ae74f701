// Flow callback modules named by `callback` lines: which names are built in, where a module is found, and
// importing it. One resolution for lint, for sr start's checks and for the flow that instantiates the hooks.
import { stat } from 'node:fs/promises';
import { register } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { configDir, describeError, type Env } from '@sarra/common';
import type { Options } from './types.js';

/**
 * sr3 built-in callbacks the engine provides natively (gather/post by the component, retry and nodupe by the
 * engine, housekeeping.resources by the flow's memory watch, log by the log hook): a line naming one loads no
 * module. Exact sr3 names only: `gather.am`, `nodupe.redis`, ... are modules like any other (loaded, or refused).
 */
export const NATIVE_CALLBACKS: ReadonlySet<string> = new Set([
  'gather', 'gather.file', 'gather.message', 'post', 'post.message', 'retry', 'housekeeping', 'housekeeping.resources',
  'nodupe', 'nodupe.disk', 'nodupe.name', 'nodupe.data', 'log',
]);

/**
 * The flow callbacks of the public plugin package (@sarra/plugin, `src/builtin/<group>/<name>`), by sr3 name: a
 * line naming one, with no user module of that name, loads it.
 */
const BUILTIN_PLUGINS: ReadonlySet<string> = new Set([
  'accept.delete', 'accept.httptohttps', 'accept.tohttp', 'accept.tolocal', 'accept.rename', 'accept.trim_header',
  'accept.sleep', 'work.delete', 'work.age', 'filter.deleteflowfiles', 'sample', 'accept.toftp', 'accept.log', 'scheduled',
]);

/** sr3 callbacks sarra-ts does not provide under their name, and what does their work here (said in the error). */
const SR3_EQUIVALENTS: Readonly<Record<string, string>> = {
  'msg.log': 'sarra-ts equivalent: callback accept.log (or logEvents +after_accept)',
  'filter.log': 'sarra-ts equivalent: callback accept.log (or logEvents +after_accept)',
  'scheduled.poll': "sarra-ts equivalent: a poll's own scheduled_interval / scheduled_hour / scheduled_minute / scheduled_time",
};

/** The hint for an sr3 name with no built-in: its own, or that of its family (`poll.nexrad`: a site poll). */
function equivalentOf(name: string): string | undefined {
  if (SR3_EQUIVALENTS[name]) return SR3_EQUIVALENTS[name];
  if (name.startsWith('poll.')) return 'a site poll, not built in: port it as a plugin whose poll (or gather) builds notices with noticeFor from @sarra/plugin';
  if (name.startsWith('scheduled.')) return 'not built in: callback scheduled announces fixed paths at scheduled times; port the rest as a plugin';
  return undefined;
}

/** The sr3 names of the built-in plugins, sorted (`sr list plugins`). */
export function builtinPlugins(): string[] {
  return [...BUILTIN_PLUGINS].sort();
}

/** True when a callback line names a built-in plugin of @sarra/plugin (`sarracenia.flowcb.work.age.Age` too). */
export function isBuiltinPlugin(spec: string): boolean {
  return !spec.includes('/') && BUILTIN_PLUGINS.has(sr3Name(spec));
}

/** The sr3 name a callback line designates: `sarracenia.flowcb.accept.httptohttps.HttpToHttps` -> `accept.httptohttps`. */
export function sr3Name(spec: string): string {
  const words = spec.replace(/^sarracenia\.flowcb\./, '').split('.');
  // a capitalised last word is the class name (sr3): drop it
  if (words.length > 1 && /^[A-Z]/.test(words[words.length - 1]!)) words.pop();
  return words.join('.');
}

/** sr3 names of built-in callbacks, reduced to the name our builtins carry (`sarracenia.flowcb.nodupe.disk` -> `nodupe`). */
export function builtinName(spec: string): string {
  return sr3Name(spec).split('.')[0]!;
}

/** True when a callback line names a natively provided sr3 callback (nothing to load). */
export function isNativeCallback(spec: string): boolean {
  return !spec.includes('/') && NATIVE_CALLBACKS.has(sr3Name(spec));
}

/** `~/.config/sarra/plugins`: where relative and bare callback names are looked up. */
export function pluginDir(env: Env = process.env): string {
  return join(configDir(env), 'plugins');
}

const EXTENSIONS = ['', '.js', '.mjs', '.ts', '.mts'];

/** Candidate files for a callback spec: absolute path, path relative to the plugin dir, or a bare/dotted name there. */
function candidates(spec: string, dir: string): string[] {
  const bases: string[] = [];
  if (isAbsolute(spec)) bases.push(spec);
  else if (spec.includes('/') || spec.startsWith('.')) bases.push(resolve(dir, spec));
  else {
    bases.push(join(dir, spec));
    if (spec.includes('.')) {
      const words = spec.split('.');
      bases.push(join(dir, ...words));
      if (/^[A-Z]/.test(words[words.length - 1]!)) bases.push(join(dir, ...words.slice(0, -1)));
    }
  }
  const out: string[] = [];
  for (const b of bases) for (const ext of EXTENSIONS) out.push(b + ext);
  return out;
}

/** A file a candidate may be (a directory of the same name, `plugins/sr3` for `sr3.Legacy`, is not). */
async function isFile(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isFile(), () => false);
}

/** A callback module, imported; or why it could not be (the message lint and the flow both use). */
export type ImportedCallback = { file: string; mod: Record<string, unknown> } | { problem: string; cause?: unknown };

/** The public plugin package's entry (`src/index.ts` in a source checkout, `dist/index.js` installed). */
function publicPackageUrl(): string {
  return import.meta.resolve('@sarra/plugin');
}

/**
 * Resolves `@sarra/plugin` to this install's copy, from a plugin file anywhere; the rest of the chain (tsx in a
 * source checkout) resolves and loads that URL as usual. The hook runs off-thread: plain JS.
 */
const RESOLVE_HOOK = `data:text/javascript,${encodeURIComponent([
  'let url;',
  'export function initialize(d) { url = d.url; }',
  "export async function resolve(s, c, next) { return next(s === '@sarra/plugin' ? url : s, c); }",
].join('\n'))}`;

let resolving = false;

/**
 * Makes `import ... from '@sarra/plugin'` work in a plugin outside the install (~/.config/sarra/plugins has no
 * node_modules on its path): a module resolution hook (node:module register, Node 20.6+) maps the bare name to
 * the copy this process runs, so plugin and flow share one module. Once per process.
 */
function resolvePublicPackage(): void {
  if (resolving) return;
  resolving = true;
  register(RESOLVE_HOOK, { data: { url: publicPackageUrl() } });
}

/** The file of a built-in plugin of the public package (`accept.delete` -> `builtin/accept/delete.ts|.js`), if `name` is one. */
function builtinFile(name: string): string | undefined {
  if (!BUILTIN_PLUGINS.has(name)) return undefined;
  const entry = publicPackageUrl();
  const ext = entry.slice(entry.lastIndexOf('.'));
  return fileURLToPath(new URL(`./builtin/${name.replaceAll('.', '/')}${ext}`, entry));
}

/**
 * Finds and imports the module of a callback spec: a JS/TS file, absolute, relative to `dir`, or a bare
 * (dotted) name there, else a built-in plugin of that sr3 name. A missing module (naming the Python plugin found
 * instead, if any) or one that does not import is a `problem`, never thrown.
 */
export async function importCallback(spec: string, dir: string): Promise<ImportedCallback> {
  let file: string | undefined;
  for (const c of candidates(spec, dir)) {
    if (await isFile(c)) {
      file = c;
      break;
    }
  }
  file ??= spec.includes('/') ? undefined : builtinFile(sr3Name(spec));
  if (!file) {
    const py = candidates(spec, dir).filter((c) => /\.js$/.test(c)).map((c) => c.replace(/\.js$/, '.py'));
    for (const c of py) {
      if (await isFile(c)) return { problem: `callback ${spec}: ${c} is a Python (sr3) plugin; port it to a JS/TS module` };
    }
    const instead = equivalentOf(sr3Name(spec));
    return { problem: `callback ${spec}: no such plugin module (looked in ${dir} and among the built-in plugins)${instead ? `; ${instead}` : ''}` };
  }
  try {
    resolvePublicPackage();
    return { file, mod: (await import(pathToFileURL(file).href)) as Record<string, unknown> };
  } catch (err: unknown) {
    return { problem: `callback ${spec}: ${file} did not load: ${describeError(err)}`, cause: err };
  }
}

/** sr3's spellings of the entry points, and ours (a method under sr3's name would never be called). */
const SR3_SPELLINGS: Readonly<Record<string, string>> = {
  after_accept: 'afterAccept', after_work: 'afterWork', after_post: 'afterPost', on_start: 'onStart', on_stop: 'onStop',
  on_housekeeping: 'onHousekeeping', metrics_report: 'metricsReport', please_stop: 'pleaseStop', on_sanity: 'onSanity',
  on_declare: 'onDeclare', on_cleanup: 'onCleanup',
};

/** Entry points sr3 calls in one component only: a module defining one for another component is refused. */
const ONLY_IN: Readonly<Record<string, string>> = { poll: 'poll' };

/** Components that transfer no file, so compute no destination: a destfn (callback or DESTFNSCRIPT=) is never asked. */
const NO_DESTFN: ReadonlySet<string> = new Set(['shovel', 'winnow', 'poll', 'post', 'watch', 'report']);

/**
 * Why a configuration computes no destination (so a destfn is never asked), or undefined when it does: a component
 * that transfers no file, or a subscribe, sarra or flow with `download` off (they relay notices only).
 */
export function noDestination(o: { component: string; download: boolean }): string | undefined {
  if (NO_DESTFN.has(o.component)) return `${o.component}: it transfers no file (subscribe, sarra, sender, flow do)`;
  if (['subscribe', 'sarra', 'flow'].includes(o.component) && !o.download) return `${o.component} with download off: it transfers no file`;
  return undefined;
}

/** Method names of a callback module's default export: a class's prototype chain, or an object's own keys. */
function entryNames(exp: unknown): string[] {
  return [...entries(exp).keys()];
}

/** A callback module's default export's methods by name, the nearest definition of each (getters not run). */
function entries(exp: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  let p: unknown = typeof exp === 'function' ? (exp as { prototype?: unknown }).prototype : exp;
  while (p && p !== Object.prototype) {
    for (const n of Object.getOwnPropertyNames(p)) {
      if (n !== 'constructor' && !out.has(n)) out.set(n, Object.getOwnPropertyDescriptor(p, n)?.value);
    }
    p = Object.getPrototypeOf(p);
  }
  return out;
}

/**
 * Why a callback module's entry points cannot be honoured in `component`, or undefined: a method under sr3's
 * snake_case name (`after_accept`: ours is `afterAccept`), one sr3 calls in another component only (`poll`), a
 * `destfn` where no file is placed (noDestination), or an async `destfn` (its name would come too late).
 */
export function entryPointProblem(mod: Record<string, unknown>, o: { component: string; download: boolean }): string | undefined {
  const component = o.component;
  const names = entryNames(mod.default);
  const sr3 = names.find((n) => n in SR3_SPELLINGS);
  if (sr3) return `entry point ${sr3} is sr3's spelling: name the method ${SR3_SPELLINGS[sr3]}`;
  const elsewhere = names.find((n) => ONLY_IN[n] !== undefined && ONLY_IN[n] !== component);
  if (elsewhere) return `entry point ${elsewhere} is called in a ${ONLY_IN[elsewhere]} configuration only (sr3), not in ${component}`;
  const destfn = entries(mod.default).get('destfn');
  if (destfn === undefined) return undefined;
  const none = noDestination(o);
  if (none) return `entry point destfn is never called in ${none}`;
  if ((destfn as { constructor?: { name?: string } } | null)?.constructor?.name === 'AsyncFunction') {
    return 'entry point destfn must be synchronous (it is an async function): return the name, not a Promise';
  }
  return undefined;
}

/** True when a callback module's default export has a method `entry`. */
export function hasEntryPoint(mod: Record<string, unknown>, entry: string): boolean {
  return entryNames(mod.default).includes(entry);
}

/** A `DESTFNSCRIPT=<callback>` of a `filename` keyword list (sr3), and where it was written. */
export interface DestfnScript {
  spec: string;
  file: string;
  line: number;
}

/** The callback a `filename` keyword list names with `DESTFNSCRIPT=` (sr3), if any. */
function destfnScriptOf(filename: string | undefined): string | undefined {
  const kw = filename?.split(':').find((k) => k.startsWith('DESTFNSCRIPT='));
  return kw?.slice('DESTFNSCRIPT='.length) || undefined;
}

/**
 * Every `DESTFNSCRIPT=<callback>` of a configuration (the `filename` option, and `accept` lines with their own
 * keyword), first occurrence of each: sr3 loads each as a callback, and calls its `destfn` for the notices so named.
 */
export function destfnScripts(o: Pick<Options, 'filename' | 'masks' | 'file' | 'origins'>): DestfnScript[] {
  const out = new Map<string, DestfnScript>();
  const add = (f: string | undefined, file: string | undefined, line: number | undefined): void => {
    const spec = destfnScriptOf(f);
    if (spec && !out.has(spec)) out.set(spec, { spec, file: file ?? o.file ?? '', line: line ?? 0 });
  };
  // tolerant of a partial Options (tests, tools): no masks, no origins
  add(o.filename, o.origins?.filename?.file, o.origins?.filename?.line);
  for (const m of o.masks ?? []) add(m.filename, m.file, m.line);
  return [...out.values()];
}
