// Loader: default.conf, admin.conf, <component>.conf, <component>/<name>.conf, then extra lines;
// includes read from disk; loadConfig refuses on real errors, lintConfig reports everything.
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { ConfigError, configDir, describeError } from '@sarra/common';
import { Credentials } from './credentials.js';
import { COMPONENTS } from './options.js';
import { newParseState, parseLine, parseText, type IncludeResolver } from './parse.js';
import { checkCallbacks, checkSchemes } from './preflight.js';
import { checkOptions, resolveOptions } from './resolve.js';
import { suggestName } from './suggest.js';
import type { Diagnostic, Env, Options } from './types.js';

export interface LoadOptions {
  /** Environment for paths and `${VAR}` (default process.env). */
  env?: Env;
  /** Option lines applied last (CLI overrides), reported as `<command line>:N`. */
  extraLines?: string[];
}

/**
 * The main .conf of a configuration: an explicit path (absolute, or ending in .conf, resolved against the
 * working directory), else `<config dir>/<component>/<name>.conf` (a leading `<component>/` in name is allowed).
 */
export function configFile(component: string, name: string, env: Env = process.env): string {
  if (isAbsolute(name) || name.endsWith('.conf')) return resolve(name);
  const rel = name.startsWith(`${component}/`) ? name.slice(component.length + 1) : name;
  return join(configDir(env), component, `${rel}.conf`);
}

function includeResolver(dir: string): IncludeResolver {
  return (name, fromFile) => {
    const candidates = isAbsolute(name) ? [name] : [join(dirname(fromFile), name), join(dir, name)];
    for (const c of candidates) {
      for (const f of [c, `${c}.conf`, `${c}.inc`]) {
        if (existsSync(f)) {
          try {
            return { file: resolve(f), text: readFileSync(f, 'utf8') };
          } catch {
            return undefined;
          }
        }
      }
    }
    return undefined;
  };
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e: unknown) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') return undefined;
    throw new ConfigError(`cannot read: ${describeError(e)}`, { file, cause: e });
  }
}

/** Parse a configuration and return it with every diagnostic (parse + whole-config checks). */
export async function readConfig(
  component: string,
  name: string,
  opts: LoadOptions = {},
): Promise<{ options: Options; diagnostics: Diagnostic[] }> {
  const env = opts.env ?? process.env;
  if (!COMPONENTS.includes(component)) {
    throw new ConfigError(`unknown component '${component}' (one of ${COMPONENTS.join(', ')})`);
  }
  const dir = configDir(env);
  const main = configFile(component, name, env);
  const mainText = await readOptional(main);
  if (mainText === undefined) throw new ConfigError(`no configuration ${component}/${basename(main, '.conf')}`, { file: main });
  const config = basename(main).replace(/\.conf$/, '');
  const st = newParseState(component, config, env);
  const resolver = includeResolver(dir);
  for (const f of [join(dir, 'default.conf'), join(dir, 'admin.conf'), join(dir, `${component}.conf`)]) {
    const text = await readOptional(f);
    if (text !== undefined) parseText(st, text, f, resolver);
  }
  parseText(st, mainText, main, resolver);
  // CLI overrides may arrive as `--option value`: the dashes are not part of the option name.
  (opts.extraLines ?? []).forEach((l, i) => parseLine(st, l.replace(/^\s*--?(?=[A-Za-z_])/, ''), '<command line>', i + 1, resolver));
  const diagnostics = st.diagnostics;
  let credentials = Credentials.empty();
  const credFile = join(dir, 'credentials.conf');
  try {
    credentials = await Credentials.load(credFile);
  } catch (e: unknown) {
    const ce = e instanceof ConfigError ? e : undefined;
    diagnostics.push({ file: ce?.file ?? credFile, line: ce?.line ?? 0, severity: 'error', code: 'credentials', message: describeError(e) });
  }
  // a bad line voids only itself: a warning at its line, the same for every configuration (lint says it once)
  for (const p of credentials.problems) {
    diagnostics.push({ file: p.file ?? credFile, line: p.line ?? 0, severity: 'warning', code: 'credentials', message: p.message.replace(/^.*?:\d+: /, '') });
  }
  const options = resolveOptions(st, credentials, main);
  if (credentials.insecure && !options.insecureCredentials) diagnostics.push(exposedCredentials(credentials, credFile));
  diagnostics.push(...checkOptions(options, main), ...checkSchemes(options, main));
  const callbacks = await checkCallbacks(options, env);
  diagnostics.push(...callbacks.diagnostics);
  return { options, diagnostics: settleUnknown(diagnostics, callbacks.declared, options) };
}

/**
 * Unknown-option errors once the callbacks are loaded: a name a callback declares is no longer unknown; in a
 * configuration with callbacks, an unknown name with no near match in the table gets one among the declared
 * names, or says that none of them declares it.
 */
function settleUnknown(diagnostics: Diagnostic[], declared: Set<string>, o: Options): Diagnostic[] {
  const hooks = o.callback.length + o.callback_prepend.length > 0;
  return diagnostics
    .filter((d) => d.code !== 'unknown-option' || !declared.has(d.option ?? ''))
    .map((d) => {
      if (d.code !== 'unknown-option' || !hooks || d.message.includes('did you mean')) return d;
      const near = suggestName(d.option ?? '', [...declared]);
      return { ...d, message: `${d.message} (${near ? `did you mean '${near}'?` : 'no callback of this configuration declares it'})` };
    });
}

/**
 * The error for a credentials.conf that group or others can open (DESIGN: secrets readable by the owner only).
 * The same text for every configuration, so `sr lint` and `sr start` can say it once.
 */
function exposedCredentials(c: Credentials, file: string): Diagnostic {
  const mode = c.mode ?? 0;
  const how = mode & 0o044 ? 'readable' : mode & 0o022 ? 'writable' : 'accessible';
  return {
    file, line: 0, severity: 'error', code: 'credentials-mode',
    message: `credentials.conf is ${how} by group or others (mode ${mode.toString(8).padStart(4, '0')}): run chmod 600 ${file}`,
  };
}

/**
 * Load a configuration into typed Options (COMPAT §3): default.conf, admin.conf, <component>.conf,
 * <component>/<name>.conf (or an explicit .conf path), then `extraLines`; per-component defaults first.
 * Throws ConfigError naming file:line on the first error: exactly what lintConfig reports as errors (an unknown
 * option no callback declares, an unsupported option or value, a broker or transfer scheme sarra-ts lacks, a
 * callback module that does not load, ...). Warnings never refuse.
 */
export async function loadConfig(component: string, name: string, opts: LoadOptions = {}): Promise<Options> {
  const { options, diagnostics } = await readConfig(component, name, opts);
  const first = diagnostics.find((d) => d.severity === 'error');
  if (first) throw new ConfigError(first.message, { file: first.file, line: first.line || undefined });
  return options;
}

/**
 * Every problem of a configuration: unknown options (with a "did you mean"), options or values sarra-ts does
 * not support, obsolete v2 options (warning), bad values (durations, sizes, flags, octal, choices), bad regexes,
 * missing includes and include cycles, missing mandatory broker/post_broker/sendTo/pollUrl, broker and transfer
 * schemes sarra-ts lacks, callback modules that do not load, URLs without credentials (warning), credentials.conf
 * readable by group or others (error unless `insecureCredentials`).
 * Each is `file:line: message` naming the option. A missing configuration is one error at line 0.
 */
export async function lintConfig(component: string, name: string, opts: LoadOptions = {}): Promise<Diagnostic[]> {
  try {
    return (await readConfig(component, name, opts)).diagnostics;
  } catch (e: unknown) {
    const ce = e instanceof ConfigError ? e : undefined;
    return [{ file: ce?.file ?? name, line: ce?.line ?? 0, severity: 'error', message: describeError(e), code: 'load' }];
  }
}

/** Format a diagnostic as sr-style `file:line: severity: message`. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}: ${d.severity}: ${d.message}`;
}

/** Every <component>/<name>.conf under the config dir (components from COMPONENTS; *.inc skipped), sorted. */
export async function listConfigs(env: Env = process.env): Promise<{ component: string; config: string; file: string }[]> {
  const dir = configDir(env);
  const out: { component: string; config: string; file: string }[] = [];
  for (const component of COMPONENTS) {
    let names: string[];
    try {
      names = await readdir(join(dir, component));
    } catch {
      continue;
    }
    for (const n of names.sort()) {
      if (n.endsWith('.conf')) out.push({ component, config: n.slice(0, -5), file: join(dir, component, n) });
    }
  }
  return out;
}
