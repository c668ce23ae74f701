// Flow callback modules named by `callback` lines: which names are built in, where a module is found, and
// importing it. One resolution for lint, for sr start's checks and for the flow that instantiates the hooks.
import { stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { configDir, describeError, type Env } from '@sarra/common';

/**
 * sr3 built-in callbacks the engine provides natively (gather/post by the component, retry and nodupe by the
 * engine, housekeeping.resources by the flow's memory watch, log by the log hook): a line naming one loads no module.
 */
export const NATIVE_CALLBACKS: ReadonlySet<string> = new Set(['gather', 'post', 'retry', 'housekeeping', 'nodupe', 'log', 'v2wrapper']);

/** sr3 names of built-in callbacks, reduced to the name our builtins carry (`sarracenia.flowcb.nodupe.disk` -> `nodupe`). */
export function builtinName(spec: string): string {
  let s = spec.replace(/^sarracenia\.flowcb\./, '');
  const words = s.split('.');
  // a capitalised last word is the class name (sr3): drop it
  if (words.length > 1 && /^[A-Z]/.test(words[words.length - 1]!)) words.pop();
  s = words.join('.');
  return s.split('.')[0]!;
}

/** True when a callback line names a natively provided sr3 callback (nothing to load). */
export function isNativeCallback(spec: string): boolean {
  return NATIVE_CALLBACKS.has(builtinName(spec)) && !spec.includes('/');
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

/**
 * Finds and imports the module of a callback spec: a JS/TS file, absolute, relative to `dir`, or a bare
 * (dotted) name there. A missing module (naming the Python plugin found instead, if any) or one that does
 * not import is a `problem`, never thrown.
 */
export async function importCallback(spec: string, dir: string): Promise<ImportedCallback> {
  let file: string | undefined;
  for (const c of candidates(spec, dir)) {
    if (await isFile(c)) {
      file = c;
      break;
    }
  }
  if (!file) {
    const py = candidates(spec, dir).filter((c) => /\.js$/.test(c)).map((c) => c.replace(/\.js$/, '.py'));
    for (const c of py) {
      if (await isFile(c)) return { problem: `callback ${spec}: ${c} is a Python (sr3) plugin; port it to a JS/TS module` };
    }
    return { problem: `callback ${spec}: no such plugin module (looked in ${dir})` };
  }
  try {
    return { file, mod: (await import(pathToFileURL(file).href)) as Record<string, unknown> };
  } catch (err: unknown) {
    return { problem: `callback ${spec}: ${file} did not load: ${describeError(err)}`, cause: err };
  }
}
