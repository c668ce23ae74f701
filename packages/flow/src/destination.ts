// Where an accepted notice lands: directory/mirror/strip/flatten/rename/baseDir, variables, path confinement.
import { posix } from 'node:path';
import type { Mask, Options } from '@sarra/config';
import { expandVars } from '@sarra/config';
import { PathEscapeError } from '@sarra/common';
import { confine } from '@sarra/transfer';
import type { Notice } from '@sarra/message';
import type { WorkItem } from './types.js';
import type { DestFn } from './destfn.js';

/** The destination options in force for one notice: the deciding mask's, else the config's. */
interface DestOptions {
  directory: string;
  mirror: boolean;
  strip: number | string;
  flatten: string;
  rename?: string;
  baseDir?: string;
  filename?: string;
}

function destOptions(o: Options, mask: Mask | undefined): DestOptions {
  if (mask) {
    return {
      directory: mask.directory,
      mirror: mask.mirror,
      strip: mask.strip,
      flatten: mask.flatten,
      rename: mask.rename,
      baseDir: mask.baseDir ?? o.baseDir,
      filename: mask.filename,
    };
  }
  return {
    directory: o.directory || o.post_baseDir || '',
    mirror: o.mirror,
    strip: o.strip,
    flatten: o.flatten,
    rename: o.rename,
    baseDir: o.baseDir,
    filename: o.filename,
  };
}

const urlPaths = new Map<string, string>();

/** Path part of a URL (`/` when none); tolerant of URLs the WHATWG parser refuses. Cached: few distinct baseUrls. */
function urlPath(url: string): string {
  let p = urlPaths.get(url);
  if (p !== undefined) return p;
  try {
    p = new URL(url).pathname || '/';
  } catch {
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/i.exec(url);
    p = m?.[1] ?? '/';
  }
  if (urlPaths.size >= 256) urlPaths.clear();
  urlPaths.set(url, p);
  return p;
}

/** Cheap pre-test: only a value with a '..' segment, a '%' or a NUL can fail confine(); the rest skip it. */
const SUSPECT = /(^|[/\\])\.\.([/\\]|$)|%|\0/;

/**
 * Throws PathEscapeError when a message-derived path has '..' segments (also around a backslash), percent-encoded
 * separators or dot-dots, or NUL: exactly confine()'s rules, without its cost for ordinary paths.
 */
export function checkMessagePath(value: string): void {
  if (SUSPECT.test(value)) confine('/', value);
}

/** Rejects a message-derived value that could climb out of a directory ('..', encoded '..', NUL). */
function checkValue(value: string, what: string): void {
  if (value === '' || !SUSPECT.test(value)) return;
  try {
    confine('/', value);
  } catch (err: unknown) {
    if (err instanceof PathEscapeError) throw new PathEscapeError(`${what}: ${err.message}`);
    throw err;
  }
}

/**
 * Sundew filename fields of a WMO bulletin name `TTAAii_CCCC_YYGGgg[_BBB]...[:...:YYYYMMDDHHMMSS]`
 * (with `sundew_extension` replacing the `:` fields): T1 T2 A1 A2 ii CCCC YY GG Gg BBB and the reception time
 * RYYYY RMM RDD RHH RMN RSS RJJJ RYY. Only the fields present are set.
 */
export function sundewVars(n: Notice): Record<string, string> {
  const name = n.relPath.split('/').pop() ?? '';
  let parts = name.split(':');
  const ext = n['sundew_extension'];
  if (typeof ext === 'string' && ext !== '') parts = [parts[0] ?? '', ...ext.split(':')];
  const v: Record<string, string> = {};
  const en = (parts[0] ?? '').split('_');
  const tt = en[0] ?? '';
  if (tt.length >= 6 && /^[A-Z]{4}\d{2}$/.test(tt.slice(0, 6))) {
    Object.assign(v, { T1: tt[0]!, T2: tt[1]!, A1: tt[2]!, A2: tt[3]!, ii: tt.slice(4, 6) });
    if (en[1]) v.CCCC = en[1];
    const yg = en[2] ?? '';
    if (/^\d{6}$/.test(yg)) Object.assign(v, { YY: yg.slice(0, 2), GG: yg.slice(2, 4), Gg: yg.slice(4, 6) });
    if (en[3] !== undefined) v.BBB = en[3];
  }
  const ts = parts.find((p, i) => i > 0 && /^\d{14}$/.test(p));
  if (ts) {
    const [y, mo, d] = [Number(ts.slice(0, 4)), Number(ts.slice(4, 6)), Number(ts.slice(6, 8))];
    const jjj = Math.floor((Date.UTC(y, mo - 1, d) - Date.UTC(y, 0, 1)) / 86_400_000) + 1;
    Object.assign(v, {
      RYYYY: ts.slice(0, 4), RYY: ts.slice(2, 4), RMM: ts.slice(4, 6), RDD: ts.slice(6, 8), RHH: ts.slice(8, 10),
      RMN: ts.slice(10, 12), RSS: ts.slice(12, 14), RJJJ: String(jjj).padStart(3, '0'),
    });
  }
  return v;
}

/**
 * Per-message variables for expandVars (COMPAT section 3): SOURCE, BD/DR (baseDir), PBD/PDR (post_baseDir),
 * BUP/baseUrlPath, BUPL/baseUrlPathLast, the regex groups `0`, `1`, ... and the sundew fields ({@link sundewVars}).
 * Values taken from the message
 * (source, groups) are checked first so that a hostile notice cannot steer a directory outside its root.
 * @throws PathEscapeError when a message-derived value holds '..', an encoded '..' or NUL.
 */
function messageVars(o: Options, n: Notice, groups: string[] = []): Record<string, string | undefined> {
  const bup = urlPath(n.baseUrl);
  const bupl = bup.split('/').filter((s) => s !== '').pop() ?? '';
  const source = typeof n.source === 'string' ? n.source : o.source;
  const vars: Record<string, string | undefined> = {
    ...(n.relPath.includes('_') ? sundewVars(n) : {}),
    SOURCE: source,
    BD: o.baseDir,
    DR: o.baseDir,
    PBD: o.post_baseDir,
    PDR: o.post_baseDir,
    BUP: bup,
    baseUrlPath: bup,
    BUPL: bupl,
    baseUrlPathLast: bupl,
  };
  if (source) checkValue(source, 'source');
  for (const k of ['CCCC', 'BBB']) if (vars[k]) checkValue(vars[k]!, k);
  checkValue(bupl, 'baseUrl path');
  groups.forEach((g, i) => {
    checkValue(g, `regex group ${i}`);
    vars[String(i)] = g;
  });
  return vars;
}

/** Compiles a strip regex written in Python syntax (named groups translated). */
function stripRegex(pattern: string): RegExp {
  const src = pattern
    .replace(/\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/g, '\\k<$1>');
  try {
    return new RegExp(src);
  } catch {
    throw new PathEscapeError(`strip pattern does not compile: ${pattern}`);
  }
}

/**
 * The relPath elements kept for placement, after `strip` (count of leading elements, or the first match
 * of a regex removed, sr3 `re.sub(..., 1)`), with empty and `.` elements dropped. The file name is kept
 * even when stripping would remove everything (sr3).
 */
export function stripTokens(relPath: string, strip: number | string): string[] {
  const clean = (p: string): string[] => p.split('/').filter((s) => s !== '' && s !== '.');
  const all = clean(relPath);
  const filename = all[all.length - 1] ?? '';
  if (typeof strip === 'number') {
    if (strip <= 0) return all;
    return strip < all.length ? all.slice(strip) : [filename];
  }
  if (strip === '' || strip === '0') return all;
  const stripped = relPath.replace(stripRegex(strip), '');
  const kept = clean(stripped);
  return stripped.includes(filename) && kept.length > 0 ? kept : [filename];
}

/**
 * Sundew `filename` keywords (accept <re> DESTFN=x, WHATFN, HEADFN, NONE, TIME, SATNET=, DESTFNSCRIPT=<callback>: that
 * plugin's destfn), then, when no DESTFNSCRIPT= is among them, the destfn of the plugins no DESTFNSCRIPT= names.
 */
function sundewFilename(item: WorkItem, option: string | undefined, filename: string, destfn?: DestFn): string {
  const n = item.notice;
  if (!option || option === 'None') return destfn ? destfn(item, undefined, filename) : filename;
  let parts = filename.split(':');
  const first = parts[0] ?? '';
  const ext = n['sundew_extension'];
  if (typeof ext === 'string' && ext !== '') {
    parts = [first, ...ext.split(':')];
    filename = parts.join(':');
  }
  let dest = filename;
  let satnet = '';
  let time = '';
  const trim = (s: string): string => (s.endsWith(':') ? s.slice(0, -1) : s);
  for (const spec of option.split(':')) {
    if (spec === 'WHATFN') dest = first;
    else if (spec === 'HEADFN') dest = first.split('_').slice(0, 2).join('_');
    else if (spec === 'NONE') {
      if (parts.length >= 6) dest = parts.slice(0, (parts[4] ?? '').length !== 1 ? 5 : 6).join(':');
      dest = trim(dest);
    } else if (spec.startsWith('SATNET=')) satnet = `:${spec}`;
    else if (spec.startsWith('DESTFN=')) dest = spec.slice(7);
    else if (spec.startsWith('DESTFNSCRIPT=')) dest = destfn ? destfn(item, spec.slice('DESTFNSCRIPT='.length), dest) : dest;
    else if (spec === 'TIME') {
      const last = parts[parts.length - 1] ?? '';
      time = last.length === 14 && last.startsWith('2') ? `:${last}` : `:${n.pubTime.split('.')[0]!.replace('T', '')}`;
    } else throw new PathEscapeError(`unknown filename keyword ${spec} in ${option}`);
  }
  if (destfn && !option.split(':').some((s) => s.startsWith('DESTFNSCRIPT='))) dest = destfn(item, undefined, dest);
  return dest + satnet + time;
}

/** Joins `rel` under `root` with confinement; a relative root stays relative (sender remote directories). */
function placeUnder(root: string, rel: string): string {
  if (posix.isAbsolute(root)) return confine(root, rel);
  const inside = confine('/', rel).slice(1);
  return root === '' || root === '.' ? inside : posix.join(root, inside);
}

const ENCODED_TRICKS = /%2f|%5c|%00|%2e%2e|\.%2e|%2e\./i;

/**
 * File operations must stay inside the root too, so a hostile one is rejected at filter time (422) rather
 * than failing later: a rename's old relPath and a hard link's target follow relPath rules; a relative
 * symlink target may climb ('../sibling') but not above the root; an absolute one is mapped under the root.
 * `inside` is the item's path relative to its root.
 */
function checkFileOp(n: Notice, inside: string): void {
  const op = n.fileOp;
  if (!op) return;
  if (typeof op.rename === 'string') checkMessagePath(op.rename);
  if (typeof op.hlink === 'string') checkMessagePath(op.hlink);
  if (typeof op.link === 'string') {
    const t = op.link;
    if (t === '' || t.includes('\0') || ENCODED_TRICKS.test(t)) throw new PathEscapeError(`symlink target refused: ${JSON.stringify(t)}`);
    if (posix.isAbsolute(t)) {
      checkMessagePath(t);
      return;
    }
    const target = posix.normalize(posix.join(posix.dirname(inside), t.replace(/\\/g, '/')));
    if (target === '..' || target.startsWith('../')) throw new PathEscapeError(`symlink ${n.relPath} -> ${t} points outside the directory`);
  }
}

/**
 * Sets `item.newDir`, `newFile`, `newRelPath`, `newBaseUrl` and `destRoot` (the expanded root every path of
 * the item must stay under: fileOps are checked against it) for an accepted notice, as sr3's
 * updateFieldsAccepted + updatePaths do:
 * - the root is `mask.directory` (or `o.directory`, else `post_baseDir`) after expandVars (dates are UTC `now`);
 * - the placed path is the relPath (or the notice's `rename`, with `baseUrl_relPath` the baseUrl path first),
 *   minus a leading `baseDir`, after `strip`; `flatten` joins it into one name; without `mirror` only the
 *   file name is kept; a sundew `filename` keyword may rename it, and plugins' `destfn` (`destfn`); the `rename` option replaces the name
 *   (or the directory when it ends with `/`);
 * - the result is confined under the root: '..' segments (also percent-encoded), NUL and absolute escapes
 *   are refused. A leading `/` in relPath is relative to the root (v02 relPaths carry one); so are the
 *   fileOp paths (rename's old name, hard and symbolic link targets);
 * - `newRelPath` is the new path minus `post_baseDir` (and minus the post_baseUrl path), no leading `/`;
 *   without post_baseDir it is the new path itself, as sr3 does; `newBaseUrl` is `post_baseUrl` or the baseUrl.
 * @throws PathEscapeError (reportCode 422): the caller rejects the notice with 422 and counts it.
 */
export function setDestination(o: Options, item: WorkItem, mask: Mask | undefined, groups: string[], now: number = Date.now(), destfn?: DestFn): void {
  const n = item.notice;
  const d = destOptions(o, mask);
  const vars = messageVars(o, n, groups);

  let relPath = n.relPath;
  if (o.baseUrl_relPath) relPath = `${urlPath(n.baseUrl).slice(1)}/${relPath}`;
  if (typeof n.rename === 'string' && n.rename !== '') relPath = n.rename;
  if (relPath.includes('\0')) throw new PathEscapeError('relPath contains a NUL byte');
  // hostile relPaths are refused whatever mirror/strip would keep of them: the notice itself is suspect
  checkMessagePath(relPath);

  let tokens = stripTokens(relPath, d.strip);
  if (d.baseDir) {
    const bd = d.baseDir.split('/').filter((s) => s !== '');
    if (bd.length > 0 && tokens.length > bd.length && bd.every((s, i) => tokens[i] === s)) tokens = tokens.slice(bd.length);
  }
  let filename = tokens[tokens.length - 1] ?? '';
  if (d.flatten && d.flatten !== '/') {
    filename = tokens.join(d.flatten);
    tokens = [filename];
  }
  filename = sundewFilename(item, d.filename, filename, destfn);
  if (filename === '' || filename === '.' || filename === '..') throw new PathEscapeError(`no file name in ${n.relPath}`);
  tokens[tokens.length - 1] = filename;
  if (!d.mirror) tokens = [filename];

  let rootTemplate = d.directory;
  if (d.rename) {
    const renamed = expandVars(d.rename, vars, now, o.varTimeOffset || 0);
    if (renamed.endsWith('/')) {
      rootTemplate = d.rename;
      tokens = [filename];
    } else {
      const base = posix.basename(renamed);
      if (base === '' || base === '..') throw new PathEscapeError(`rename gives no file name: ${renamed}`);
      if (d.rename.includes('/')) rootTemplate = posix.dirname(d.rename);
      tokens = [base];
    }
  }
  const root = expandVars(rootTemplate, vars, now, o.varTimeOffset || 0);
  if (root.includes('\0')) throw new PathEscapeError('directory contains a NUL byte');
  const rel = tokens.join('/');
  const full = placeUnder(root, rel);
  checkFileOp(n, confine('/', rel).slice(1));

  item.destRoot = root;
  item.newDir = posix.dirname(full);
  item.newFile = posix.basename(full);
  item.newBaseUrl = o.post_baseUrl ? expandVars(o.post_baseUrl, vars, now, o.varTimeOffset || 0) : n.baseUrl;
  item.newRelPath = postRelPath(o, item.newDir, item.newFile, item.newBaseUrl, vars, now);
}

/** sr3 updatePaths: relPath to announce for a file placed at newDir/newFile. */
export function postRelPath(
  o: Options,
  newDir: string,
  newFile: string,
  newBaseUrl: string,
  vars: Record<string, string | undefined> = {},
  now: number = Date.now(),
): string {
  const whole = `${newDir}/${newFile}`;
  let rel = whole;
  if (o.post_baseDir && o.post_baseDir.length > 1) {
    const pbd = expandVars(o.post_baseDir, vars, now, o.varTimeOffset || 0).replace(/\/+$/, '');
    if (pbd && (newDir === pbd || newDir.startsWith(`${pbd}/`))) rel = `${newDir.slice(pbd.length)}/${newFile}`;
    const bup = urlPath(newBaseUrl);
    if (bup.length > 1) {
      const withSlash = rel.startsWith('/') ? rel : `/${rel}`;
      if (withSlash.startsWith(bup)) rel = withSlash.slice(bup.length);
      else if (withSlash.startsWith(bup.replace(/\/+$/, '') + '/')) rel = withSlash.slice(bup.replace(/\/+$/, '').length);
    }
  }
  // an sftp URL whose path is '/' reaches absolute paths only through an absolute relPath (sr3 posts
  // `sftp://host/ /data/x`); a relative one is read from the login directory
  if (rel === whole && rel.startsWith('/') && /^sftp:/i.test(newBaseUrl) && urlPath(newBaseUrl) === '/') return rel.replace(/^\/+/, '/');
  return rel.replace(/^\/+/, '').replace(/^\.\//, '');
}
