// Builds the notice of one local file (identity, size, times, mode, inline content) for post and watch.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, readFile as readFileCb, realpathSync } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { posix } from 'node:path';
import type { Stats } from 'node:fs';
import type { Identity, IdentityMethod, Notice } from '@sarra/message';
import { ConfigError } from '@sarra/common';

/** The callback readFile: markedly less overhead per small file than the FileHandle-based promise API. */
const readFile = promisify(readFileCb);

/** Files up to this size are read in one call; larger ones are streamed through the hasher. */
const ONE_READ_MAX = 1024 * 1024;

/** How a producer describes local files. Built once from Options by the component. */
export interface NoticeSpec {
  /** post_baseUrl: the URL prefix subscribers fetch from. */
  baseUrl: string;
  /** post_baseDir: removed from absolute paths to form relPath; absent = relPath is the absolute path without '/'. */
  baseDir?: string;
  /** sr3 `identity` option: sha512 | md5 | md5name | cod,<algo> | random | arbitrary | none. @default 'sha512' */
  identity: string;
  /** Value announced for `identity arbitrary` (sr3 identity_arbitrary_value). */
  arbitraryValue?: string;
  /** Embed content of files up to inlineByteMax bytes. */
  inline: boolean;
  /** @default 4096 */
  inlineByteMax: number;
  /** sr3 inlineEncoding: guess (utf-8 when the bytes are valid UTF-8, else base64), text, binary. @default 'guess' */
  inlineEncoding?: string;
  /** Set as `source` when given. */
  source?: string;
  /**
   * sr3 `realpathPost`: announce each path with its directories resolved (no symlink indirection left; the entry
   * itself is kept, so a link is still announced as a link). @default false
   */
  realpath?: boolean;
}

/**
 * The path a notice announces for local path `abs`: `abs`, or with realpathPost its directory's real path joined
 * to its own name (a directory that no longer exists, for a removal, stays as given). Resolved each time: a link
 * re-pointed meanwhile is followed where it leads now.
 */
export function postedPath(spec: Pick<NoticeSpec, 'realpath'>, abs: string): string {
  if (!spec.realpath || abs === '/') return abs;
  try {
    return posix.join(realpathSync.native(posix.dirname(abs)), posix.basename(abs));
  } catch {
    return abs;
  }
}

/** Hashing-capable identity methods, checked once at start. @throws ConfigError on an unknown method. */
export function parseIdentity(spec: string): { method: IdentityMethod | 'none'; codAlgo?: string } {
  const s = spec.trim().toLowerCase();
  if (s.startsWith('cod,')) {
    const algo = s.slice(4);
    if (algo !== 'sha512' && algo !== 'md5') throw new ConfigError(`identity cod,${algo}: unknown checksum algorithm`);
    return { method: 'cod', codAlgo: algo };
  }
  switch (s) {
    case 'sha512': case 'md5': case 'md5name': case 'random': case 'arbitrary': case 'none':
      return { method: s };
    default:
      throw new ConfigError(`identity ${spec}: unknown method (sha512, md5, md5name, cod,<algo>, random, arbitrary, none)`);
  }
}

/** sr3 v03 timestamp `YYYYMMDDTHHMMSS.fffffffff` (UTC) from ms since the epoch (float ms keep sub-ms digits). */
export function stamp(ms: number): string {
  const whole = Math.floor(ms);
  const d = new Date(whole);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const ns = Math.round((ms - Math.floor(ms / 1000) * 1000) * 1e6);
  const frac = String(Math.min(ns, 999_999_999)).padStart(9, '0');
  return `${d.getUTCFullYear()}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}T`
    + `${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}${p2(d.getUTCSeconds())}.${frac}`;
}

/** relPath of an absolute local path: under baseDir it is relative to it; never a leading '/'. */
export function relPathOf(abs: string, baseDir?: string): string {
  if (baseDir) {
    const b = posix.resolve(baseDir);
    if (abs === b) return '';
    const prefix = b.endsWith('/') ? b : `${b}/`;
    if (abs.startsWith(prefix)) return abs.slice(prefix.length);
  }
  return abs.replace(/^\/+/, '');
}

const TYPES: Record<string, string> = {
  txt: 'text/plain', xml: 'application/xml', json: 'application/json', html: 'text/html', htm: 'text/html',
  csv: 'text/csv', gif: 'image/gif', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', pdf: 'application/pdf',
  gz: 'application/gzip', zip: 'application/zip', nc: 'application/x-netcdf',
};

/** MIME type from the file name extension; application/octet-stream otherwise (as sr3's mimetypes guess). */
function contentTypeOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot >= 0 && TYPES[name.slice(dot + 1).toLowerCase()]) || 'application/octet-stream';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Content for inlining: utf-8 text when the bytes decode as UTF-8 (or `text` is forced), else base64. */
export function inlineContent(data: Buffer, mode = 'guess'): { encoding: 'utf-8' | 'base64'; value: string } {
  if (mode === 'binary') return { encoding: 'base64', value: data.toString('base64') };
  if (mode === 'text') return { encoding: 'utf-8', value: data.toString('utf8') };
  try {
    return { encoding: 'utf-8', value: utf8.decode(data) };
  } catch {
    return { encoding: 'base64', value: data.toString('base64') };
  }
}

function hashStream(path: string, algo: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash(algo);
    const s = createReadStream(path, { highWaterMark: 256 * 1024 });
    s.on('error', reject);
    s.on('data', (c) => h.update(c));
    s.on('end', () => resolve(h.digest('base64')));
  });
}

/** The common fields of a notice from lstat results (no identity). */
function baseNotice(spec: NoticeSpec, relPath: string, st: Stats, now: number): Notice {
  const n: Notice = { pubTime: stamp(now), baseUrl: spec.baseUrl, relPath };
  if (spec.source) n.source = spec.source;
  n.mode = (st.mode & 0o7777).toString(8);
  return n;
}

/**
 * The notice for one local file, directory or symlink at absolute path `abs` with its lstat `st` (announced at
 * postedPath(abs): its real directory with realpathPost).
 * Files: identity computed from the content (streamed above 1 MiB), size, mtime, atime, mode,
 * contentType, inline content when asked. Directories: fileOp directory. Symlinks: fileOp link.
 * @throws the fs error when the file vanished or cannot be read (the caller skips it).
 */
export async function noticeOfPath(spec: NoticeSpec, abs: string, st: Stats, now = Date.now()): Promise<Notice> {
  const relPath = relPathOf(postedPath(spec, abs), spec.baseDir);
  const n = baseNotice(spec, relPath, st, now);
  if (st.isSymbolicLink()) {
    n.fileOp = { link: await readlink(abs) };
    return n;
  }
  if (st.isDirectory()) {
    n.fileOp = { directory: '' };
    n.contentType = 'text/directory';
    return n;
  }
  const id = parseIdentity(spec.identity);
  n.size = st.size;
  n.mtime = stamp(st.mtimeMs);
  n.atime = stamp(st.atimeMs);
  const wantInline = spec.inline && st.size <= spec.inlineByteMax;
  const hashAlgo = id.method === 'sha512' || id.method === 'md5' ? id.method : undefined;
  let data: Buffer | undefined;
  if (wantInline || (hashAlgo && st.size <= ONE_READ_MAX)) data = await readFile(abs);
  let identity: Identity | undefined;
  if (hashAlgo) {
    const value = data ? createHash(hashAlgo).update(data).digest('base64') : await hashStream(abs, hashAlgo);
    identity = { method: hashAlgo as IdentityMethod, value };
  } else if (id.method === 'md5name') {
    identity = { method: 'md5name', value: createHash('md5').update(posix.basename(abs)).digest('base64') };
  } else if (id.method === 'cod') {
    identity = { method: 'cod', value: id.codAlgo ?? 'sha512' };
  } else if (id.method === 'random') {
    identity = { method: 'random', value: randomBytes(8).toString('base64') };
  } else if (id.method === 'arbitrary') {
    identity = { method: 'arbitrary', value: spec.arbitraryValue ?? '' };
  }
  if (identity) n.identity = identity;
  n.contentType = contentTypeOf(posix.basename(abs));
  if (wantInline && data) n.content = inlineContent(data, spec.inlineEncoding);
  return n;
}
