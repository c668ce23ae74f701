// The config language interpreter: pure (no I/O; includes come through a resolver), line by line,
// order-sensitive, collecting every problem as a file:line diagnostic instead of stopping.
import { randomBytes } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import { describeError } from '@sarra/common';
import { expandVars } from './expand.js';
import { legacyLine } from './legacy.js';
import { isNone, parseScalar } from './option-kinds.js';
import { defaultFor, defaultsFor, resolveOption } from './options.js';
import { pythonRegex } from './regex.js';
import { rand8, substitute } from './substitute.js';
import { suggestName } from './suggest.js';
import { v2Equivalent } from './v2-plugins.js';
import type { BindingSpec, Diagnostic, Env, Mask, OptionSpec, Origin } from './types.js';

/**
 * Notice fields `header name=value` may not set: the flow computes them (the v02 names too), and a string there would
 * make the notice malformed downstream.
 */
const COMPUTED_FIELDS: ReadonlySet<string> = new Set([
  'pubTime', 'baseUrl', 'relPath', 'retrievePath', 'identity', 'integrity', 'sum', 'fileOp', 'size', 'parts', 'blocks',
  'content', 'report', 'mtime', 'atime',
]);

/** Finds an included file: relative to the including file, then the config dir. undefined = missing. */
export type IncludeResolver = (name: string, fromFile: string) => { file: string; text: string } | undefined;

/** Everything the lines of a configuration have set so far. */
export interface ParseState {
  component: string;
  config: string;
  /** Option values by sr3 name, typed (defaults included). */
  values: Record<string, unknown>;
  masks: Mask[];
  bindings: BindingSpec[];
  subtopicNone: boolean;
  declared: { source: string[]; subscriber: string[]; exchange: string[]; env: Record<string, string> };
  headers: Record<string, string>;
  settings: Record<string, string>;
  /** Where each `set` key was last set. */
  settingOrigins: Record<string, Origin>;
  unknownOptions: Record<string, { value: string; file: string; line: number }>;
  origins: Record<string, Origin>;
  /** Where each `callback`/`callback_prepend` entry was named (by module spec). */
  callbackOrigins: Record<string, Origin>;
  /** Environment for `${VAR}` (caller's env plus `declare env`). */
  env: Env;
  hostname: string;
  /** Per-load random hex (`${RANDID}`). */
  randid: string;
  diagnostics: Diagnostic[];
  /** Include chain, for cycle detection. */
  stack: string[];
  /** Clock (ms) for date variables in accept/reject patterns, fixed per load. */
  now: number;
}

/** A fresh state holding the component's defaults (COMPAT §1). */
export function newParseState(component: string, config: string, env: Env = process.env, now: number = Date.now()): ParseState {
  return {
    component,
    config,
    values: defaultsFor(component),
    masks: [],
    bindings: [],
    subtopicNone: false,
    declared: { source: [], subscriber: [], exchange: [], env: {} },
    headers: {},
    settings: {},
    settingOrigins: {},
    unknownOptions: {},
    origins: {},
    callbackOrigins: {},
    env: { ...env },
    hostname: env.HOSTNAME || osHostname(),
    randid: randomBytes(4).toString('hex'),
    diagnostics: [],
    stack: [],
    now,
  };
}

/** Username of a URL (`amqp://bunny@host` -> `bunny`), undefined if none or unparsable. */
export function urlUser(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^@/]*)@/i.exec(url);
  if (!m) return undefined;
  const user = m[1]!.split(':')[0]!;
  try {
    return decodeURIComponent(user) || undefined;
  } catch {
    return user || undefined;
  }
}

function report(
  st: ParseState,
  file: string,
  line: number,
  message: string,
  extra: { severity?: 'error' | 'warning'; code?: string; option?: string } = {},
): void {
  st.diagnostics.push({ file, line, message, severity: extra.severity ?? 'error', code: extra.code, option: extra.option });
}

/** Load-time variable lookup: built-ins, `declare env`, options already set, environment. */
function lookupVar(st: ParseState, name: string, keepRand8: boolean): string | undefined {
  switch (name) {
    case 'HOSTNAME':
      return st.hostname;
    case 'BROKER_USER':
      return urlUser(st.values.broker);
    case 'POST_BROKER_USER':
      return urlUser(st.values.post_broker);
    case 'PROGRAM':
      return st.component;
    case 'CONFIG':
      return st.config;
    case 'RANDID':
      return st.randid;
    case 'RAND8':
      // queueShare/queueName keep it: defaultQueueName draws it once so the name can be persisted.
      return keepRand8 ? '${RAND8}' : rand8();
  }
  if (name in st.declared.env) return st.declared.env[name];
  const v = st.values[name];
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (keepRand8 && name === 'USER' && st.env.USER === undefined) return '${USER}';
  return st.env[name];
}

/** Parse every line of `text` (one file) into the state. */
export function parseText(st: ParseState, text: string, file: string, resolver?: IncludeResolver): void {
  st.stack.push(file);
  try {
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) parseLine(st, lines[i]!, file, i + 1, resolver);
  } finally {
    st.stack.pop();
  }
}

/** Parse one line; problems become diagnostics (never thrown). */
export function parseLine(st: ParseState, raw: string, file: string, line: number, resolver?: IncludeResolver): void {
  const trimmed = raw.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return;
  const m = /^(\S+)\s*(.*)$/.exec(trimmed)!;
  const name = m[1]!;
  const legacy = legacyLine(name, m[2]!);
  if (legacy && 'rewrite' in legacy) return parseLine(st, legacy.rewrite, file, line, resolver);
  if (legacy) {
    report(st, file, line, legacy.obsolete, { severity: 'warning', code: 'obsolete', option: name });
    return;
  }
  // v2 sr_poll read `broker` as the posting broker (COMPAT §1 "Poll specifics").
  const r = resolveOption(st.component === 'poll' && name === 'broker' ? 'post_broker' : name, st.component);
  // by the option, not the name written: every synonym (queue, queue_name) keeps ${RAND8} for defaultQueueName
  const keepRand8 = r?.spec.name === 'queueShare' || r?.spec.name === 'queueName';
  const value = substitute(m[2]!.trim(), (n) => lookupVar(st, n, keepRand8), (n) =>
    report(st, file, line, `${name}: unknown variable \${${n}} left as is`, { severity: 'warning', code: 'unknown-variable', option: name }),
  );
  const where = { file, line };
  try {
    switch (name) {
      case 'accept':
      case 'reject':
        return addMask(st, name === 'accept', value, where);
      case 'include':
      case 'config':
      case 'c':
      case '-c':
        return include(st, value, where, resolver);
      case 'declare':
        return declare(st, value, where);
      case 'header': {
        const eq = value.indexOf('=');
        if (eq <= 0) throw new Error(`expected header name=value, got '${value}'`);
        const field = value.slice(0, eq).trim();
        if (COMPUTED_FIELDS.has(field)) throw new Error(`'${field}' is a notice field the flow computes, not a header to set`);
        st.headers[field] = value.slice(eq + 1).trim();
        return;
      }
      case 'set':
      case 'setting':
      case 's': {
        const sm = /^(\S+)\s*(.*)$/.exec(value);
        if (!sm || !/^[^.]+(\.[^.]+)+$/.test(sm[1]!)) throw new Error('expected set <callback>.<option> <value>');
        st.settings[sm[1]!] = sm[2]!;
        st.settingOrigins[sm[1]!] = where;
        return;
      }
      case 'subtopic':
        return subtopic(st, value, where);
    }
    if (!r) {
      st.unknownOptions[name] = { value, file, line };
      const near = suggestName(name);
      report(st, file, line, `unknown option '${name}'${near ? ` (did you mean '${near}'?)` : ''}`, { code: 'unknown-option', option: name });
      return;
    }
    setOption(st, r.spec, value, r.inverted, where, name);
  } catch (e: unknown) {
    report(st, file, line, `${name}: ${describeError(e)}`, { option: name });
  }
}

/** Set an option from its text value (lists append, sets edit, scalars replace). */
function setOption(st: ParseState, spec: OptionSpec, value: string, inverted: boolean, where: Origin, asWritten = spec.name): void {
  const key = spec.name;
  const refuse = (why: string, what = asWritten): void =>
    report(st, where.file, where.line, `${what}: not supported by sarra-ts (${why})`, { code: 'unsupported', option: asWritten });
  if (spec.kind === 'list') {
    if (isNone(value)) st.values[key] = [];
    else if (spec.unsupported && !(spec.honoured ?? []).length) return refuse(spec.unsupported + v2Equivalent(value));
    else {
      const sep = key === 'path' ? /\s+/ : /[\s,]+/;
      const items = value.split(sep).filter((s) => s !== '');
      (st.values[key] as string[]).push(...items);
      if (key === 'callback' || key === 'callback_prepend') for (const i of items) st.callbackOrigins[i] = { file: where.file, line: where.line };
    }
  } else if (spec.kind === 'set') {
    st.values[key] = editSet(st.values[key] as Set<string>, value, spec, (msg) =>
      report(st, where.file, where.line, `${asWritten}: ${msg}`, { severity: 'warning', option: asWritten }),
    );
  } else {
    let v = parseScalar(spec, value, { component: st.component });
    if (inverted) v = !(v as boolean);
    const byValue = spec.unsupportedValues?.[String(v)];
    if (byValue) return refuse(byValue, `${asWritten} ${value}`);
    if (spec.unsupported && !(spec.honoured ?? [defaultFor(spec, st.component)]).includes(v)) return refuse(spec.unsupported);
    st.values[key] = v;
    if (key === 'debug' && v === true) st.values.logLevel = 'debug';
    if ((key === 'exchange' || key === 'topicPrefix') && st.bindings.length > 0) {
      report(st, where.file, where.line, `${asWritten}: set after subtopic lines; the bindings above keep the earlier value`, {
        severity: 'warning',
        code: 'order',
        option: asWritten,
      });
    }
  }
  st.origins[key] = { file: where.file, line: where.line };
}

/** sr3 set syntax: `a,b` replaces, `+x`/`-x` edit, `all`, `None`. */
function editSet(current: Set<string>, value: string, spec: OptionSpec, warn: (m: string) => void): Set<string> {
  const v = value.trim();
  if (isNone(v) || v === '') return new Set();
  if (v === 'all') return new Set(spec.universe ?? []);
  const words = v.split(/[\s,]+/).filter((w) => w !== '');
  const edit = words.every((w) => w.startsWith('+') || w.startsWith('-'));
  const out = edit ? new Set(current) : new Set<string>();
  for (const w of words) {
    const item = edit ? w.slice(1) : w;
    if (item === 'all') {
      for (const u of spec.universe ?? []) {
        if (w.startsWith('-')) out.delete(u);
        else out.add(u);
      }
      continue;
    }
    if (spec.universe && !spec.universe.includes(item)) warn(`'${item}' is not one of ${spec.universe.join(', ')}`);
    if (edit && w.startsWith('-')) out.delete(item);
    else out.add(item);
  }
  return out;
}

function addMask(st: ParseState, accept: boolean, value: string, where: Origin): void {
  const words = value.split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) throw new Error('missing regular expression');
  const pattern = words[0]!;
  // Date variables in a pattern are expanded once, at load, as sr3 does (they do not roll over at midnight).
  const regex = pythonRegex(pattern.includes('${') ? expandVars(pattern, {}, st.now, st.values.varTimeOffset as number) : pattern);
  const v = st.values;
  st.masks.push({
    pattern,
    regex,
    accept,
    directory: v.directory as string,
    mirror: v.mirror as boolean,
    strip: v.strip as number | string,
    flatten: v.flatten as string,
    rename: v.rename as string | undefined,
    baseDir: v.baseDir as string | undefined,
    filename: words[1] ?? (v.filename as string | undefined),
    file: where.file,
    line: where.line,
  });
}

function subtopic(st: ParseState, value: string, where: Origin): void {
  if (value === '') throw new Error('missing subtopic');
  if (isNone(value)) {
    st.subtopicNone = true;
    st.bindings = [];
    st.values.subtopic = [];
  } else {
    st.subtopicNone = false;
    const exchange = st.origins.exchange ? (st.values.exchange as string) : undefined;
    st.bindings.push({ exchange, topicPrefix: st.values.topicPrefix as string, subtopic: value });
    (st.values.subtopic as string[]).push(value);
  }
  st.origins.subtopic = where;
}

function declare(st: ParseState, value: string, where: Origin): void {
  const dm = /^(\S+)\s+(.+)$/.exec(value);
  if (!dm) throw new Error(`expected declare env|source|subscriber|exchange <value>, got '${value}'`);
  const what = dm[1]!;
  const arg = dm[2]!.trim();
  switch (what) {
    case 'env':
    case 'envvar':
    case 'var':
    case 'value': {
      const eq = arg.indexOf('=');
      if (eq <= 0) throw new Error(`expected declare env NAME=value, got '${arg}'`);
      const k = arg.slice(0, eq).trim();
      const v = arg.slice(eq + 1).trim();
      st.declared.env[k] = v;
      st.env[k] = v;
      return;
    }
    case 'source':
    case 'subscriber':
    case 'subscribe':
    case 'exchange':
      st.declared[what === 'subscribe' ? 'subscriber' : what].push(...arg.split(/[\s,]+/).filter((s) => s !== ''));
      return;
    case 'option':
    case 'o':
      // sr3 `declare option <name> <value>`: the same as the line `<name> <value>`
      return parseLine(st, arg, where.file, where.line);
    default:
      report(st, where.file, where.line, `declare: unknown kind '${what}' (env, source, subscriber, exchange, option)`, { option: 'declare' });
  }
}

function include(st: ParseState, value: string, where: Origin, resolver?: IncludeResolver): void {
  if (value === '') throw new Error('missing file name');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    report(st, where.file, where.line, `include: remote includes are not supported by sarra-ts: '${value}'`, { option: 'include' });
    return;
  }
  const found = resolver?.(value, where.file);
  if (!found) {
    report(st, where.file, where.line, `include: cannot find '${value}'`, { code: 'missing-include', option: 'include' });
    return;
  }
  if (st.stack.includes(found.file)) {
    report(st, where.file, where.line, `include: cycle: ${[...st.stack, found.file].join(' -> ')}`, {
      code: 'include-cycle',
      option: 'include',
    });
    return;
  }
  parseText(st, found.text, found.file, resolver);
}
