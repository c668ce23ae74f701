// v02 wire format: text body "<pubTime> <baseUrl> <relPath>" plus AMQP headers (sum, parts, mtime, ...).

import { MalformedMessageError } from '@sarra/common';
import { HeaderTooLongError, locate } from './errors.js';
import { base64ToHex, sha512Hex } from './identity.js';
import type { FileOp, Identity, IdentityMethod, Notice } from './notice.js';
import { toV02Time, toV03Time } from './timestamp.js';
import { strictUtf8 } from './v03.js';
import { validateNotice } from './validate.js';

/** RabbitMQ short-string limit: header names and string values longer than this make sr3 drop the publish. */
export const HEADER_MAX_BYTES = 255;

/** v02 `sum` flag -> v03 identity method (flags that name a checksum). */
const FLAG_METHOD: Record<string, IdentityMethod> = { d: 'md5', s: 'sha512', n: 'md5name', '0': 'random', a: 'arbitrary', z: 'cod' };
const METHOD_FLAG: Record<string, string> = { md5: 'd', sha512: 's', md5name: 'n', random: '0', arbitrary: 'a', cod: 'z' };

function bad(reason: string): never {
  throw new MalformedMessageError(reason);
}

function unescapeRelPath(p: string): string {
  if (p.indexOf('%2') < 0) return p;
  return p.replaceAll('%20', ' ').replaceAll('%23', '#');
}

function escapeRelPath(p: string): string {
  if (p.indexOf(' ') < 0 && p.indexOf('#') < 0) return p;
  return p.replaceAll(' ', '%20').replaceAll('#', '%23');
}

function baseName(relPath: string): string {
  return relPath.slice(relPath.lastIndexOf('/') + 1);
}

/** Parses `sum` into an identity or a file operation (L link, R remove, m mkdir, r rmdir). */
function parseSum(sum: string, headers: Record<string, unknown>, op: FileOp): Identity | undefined {
  if (sum.length < 2 || sum.charCodeAt(1) !== 44 /* , */) bad(`v02 sum ${JSON.stringify(sum.slice(0, 40))} is not <flag>,<value>`);
  const flag = sum[0] as string;
  const value = sum.slice(2);
  switch (flag) {
    case 'd':
    case 's':
    case 'n':
    {
      // Buffer's hex parser stops at the first bad digit: a short result means the value was not hex
      const bytes = Buffer.from(value, 'hex');
      if (bytes.length * 2 !== value.length) bad(`v02 sum ${flag} value is not hex`);
      return { method: FLAG_METHOD[flag] as IdentityMethod, value: bytes.toString('base64') };
    }
    case '0':
    case 'a':
      return { method: FLAG_METHOD[flag] as IdentityMethod, value };
    case 'z':
      // checksum on download: the value names the algorithm, as a v02 flag or already a v03 name
      return { method: 'cod', value: FLAG_METHOD[value] ?? value };
    case 'L': {
      const raw = headers.link;
      const link = Buffer.isBuffer(raw) ? raw.toString('utf8') : raw;
      if (typeof link !== 'string') bad('v02 sum L (symlink) without a link header');
      op.link = link;
      return undefined;
    }
    case 'R':
      op.remove = '';
      return undefined;
    case 'm':
      op.directory = '';
      return undefined;
    case 'r':
      op.directory = '';
      op.remove = '';
      return undefined;
    default:
      return bad(`unknown v02 sum flag ${JSON.stringify(flag)}`);
  }
}

function partsNumber(parts: string, from: number, to: number): number {
  if (to <= from || to - from > 16) bad(`v02 parts ${JSON.stringify(parts.slice(0, 40))} has a non-numeric field`);
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = parts.charCodeAt(i) - 48;
    if (d < 0 || d > 9) bad(`v02 parts ${JSON.stringify(parts.slice(0, 40))} has a non-numeric field`);
    v = v * 10 + d;
  }
  return v;
}

/** Size from `parts`: "1,<size>,1,0,0"; partitioned "i|p,<blocksize>,<count>,<remainder>,<num>" -> whole size. */
function parseParts(parts: string): number {
  const c1 = parts.indexOf(',');
  if (c1 < 0) bad(`v02 parts ${JSON.stringify(parts.slice(0, 40))} has fewer than 2 fields`);
  const style = parts.slice(0, c1);
  let c2 = parts.indexOf(',', c1 + 1);
  if (c2 < 0) c2 = parts.length;
  const blockSize = partsNumber(parts, c1 + 1, c2);
  const rest = c2 < parts.length ? parts.slice(c2 + 1).split(',') : [];
  const nums = rest.map((x) => partsNumber(x, 0, x.length));
  if (style === '1') return blockSize;
  const [count = 1, remainder = 0] = nums;
  if (style === 'i' || style === 'p') return remainder > 0 ? (count - 1) * blockSize + remainder : count * blockSize;
  return bad(`v02 parts style ${JSON.stringify(style)} unknown`);
}

/**
 * Decodes a v02 message into a v03-shaped notice: times get their `T`, `sum` becomes identity (hex ->
 * base64) or fileOp, `parts` becomes size, `link`/`oldname`/`hlink` go into fileOp, `content` (a table
 * or a JSON string) becomes content; every other header is kept as a field untouched.
 * @throws MalformedMessageError (short body, bad times, unknown sum flag, bad parts, non-UTF-8); a
 *   MalformedNoticeError naming baseUrl and relPath once the body's three fields are read.
 */
export function decodeV02(body: Uint8Array, headers: Record<string, unknown> | undefined): Notice {
  let text = strictUtf8(body, 'v02');
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 10 || text.charCodeAt(end - 1) === 13)) end--;
  if (end !== text.length) text = text.slice(0, end);
  const s1 = text.indexOf(' ');
  const s2 = s1 < 0 ? -1 : text.indexOf(' ', s1 + 1);
  if (s2 < 0 || s2 === text.length - 1) bad(`v02 body has fewer than 3 fields: ${JSON.stringify(text.slice(0, 80))}`);
  const n: Record<string, unknown> = {
    pubTime: toV03Time(text.slice(0, s1)),
    baseUrl: text.slice(s1 + 1, s2),
    relPath: unescapeRelPath(text.slice(s2 + 1)),
  };
  try {
    return decodeHeaders(n, headers ?? {});
  } catch (e: unknown) {
    throw locate(e, n);
  }
}

/** Adds the v02 headers `h` to the notice `n` read from the body, and validates it. */
function decodeHeaders(n: Record<string, unknown>, h: Record<string, unknown>): Notice {
  const op: FileOp = {};
  let opAt = false;
  for (const k of Object.keys(h)) {
    const raw = h[k];
    if (raw === undefined) continue;
    // some AMQP clients hand byte-array headers over as Buffers: a notice carries text
    const v = Buffer.isBuffer(raw) ? raw.toString('utf8') : raw;
    switch (k) {
      case 'sum': {
        if (typeof v !== 'string') bad('v02 sum header is not a string');
        const id = parseSum(v, h, op);
        if (id) n.identity = id;
        else if (!opAt) {
          n.fileOp = op;
          opAt = true;
        }
        break;
      }
      case 'parts':
        if (typeof v !== 'string') bad('v02 parts header is not a string');
        n.size = parseParts(v);
        break;
      case 'mtime':
      case 'atime':
        n[k] = typeof v === 'string' ? toV03Time(v) : v; // validateNotice reports a non-string
        break;
      case 'link':
        break; // consumed with sum L; a link header without sum L is not a link
      case 'oldname':
      case 'hlink':
        if (typeof v !== 'string') bad(`v02 ${k} header is not a string`);
        op[k === 'oldname' ? 'rename' : 'hlink'] = v;
        if (!opAt) {
          n.fileOp = op;
          opAt = true;
        }
        break;
      case 'content':
        n.content = decodeContent(v);
        break;
      case '__proto__':
        bad('forbidden header __proto__');
        break;
      case 'pubTime':
      case 'baseUrl':
      case 'relPath':
        break; // the body is authoritative: a header must not redirect a download
      case 'identity':
      case 'fileOp':
      case 'size':
        if (n[k] === undefined) n[k] = v; // sum / parts / oldname, when present, win
        break;
      default:
        n[k] = v;
    }
  }
  const link = Buffer.isBuffer(h.link) ? h.link.toString('utf8') : h.link;
  if (link !== undefined && op.link === undefined) n.link = link;
  return validateNotice(n);
}

function decodeContent(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return bad('v02 content header is neither a table nor JSON');
  }
}

function checkHeader(name: string, v: unknown): void {
  if (typeof v === 'string') {
    // cheap bound first: a JS string of <= 85 UTF-16 units is at most 255 UTF-8 bytes
    if (v.length > 85) {
      const b = Buffer.byteLength(v, 'utf8');
      if (b > HEADER_MAX_BYTES) throw new HeaderTooLongError(name, b);
    }
  } else if (typeof v === 'object' && v !== null && !Buffer.isBuffer(v)) {
    for (const [k, x] of Object.entries(v)) checkHeader(`${name}.${k}`, x);
  }
}

/** v02 `sum` of a notice: fileOp wins over identity (as in sr3), undefined when there is neither. */
function sumOf(n: Notice): string | undefined {
  const op = n.fileOp;
  if (op) {
    if (op.link !== undefined) return 'L,' + sha512Hex(op.link);
    if (op.directory !== undefined) return (op.remove !== undefined ? 'r,' : 'm,') + sha512Hex(baseName(n.relPath));
    if (op.remove !== undefined) return 'R,' + sha512Hex(baseName(n.relPath));
  }
  const id = n.identity;
  if (!id) return undefined;
  const flag = METHOD_FLAG[id.method] ?? bad(`identity method ${JSON.stringify(id.method)} has no v02 sum flag`);
  switch (id.method) {
    case 'md5':
    case 'sha512':
    case 'md5name':
      return flag + ',' + base64ToHex(id.value);
    case 'cod':
      return 'z,' + (METHOD_FLAG[id.value] ?? id.value);
    default:
      return flag + ',' + id.value;
  }
}

/**
 * The v02 body and headers of a notice. Unknown fields become headers as they are.
 * @throws HeaderTooLongError when a header name or string value exceeds 255 UTF-8 bytes (RabbitMQ/sr3
 *   would drop such a message), MalformedMessageError when the identity method has no v02 flag.
 */
export function encodeV02(n: Notice): { body: Buffer; headers: Record<string, unknown> } {
  let baseUrl = n.baseUrl;
  if (baseUrl.indexOf(' ') >= 0) baseUrl = baseUrl.replaceAll(' ', '%20');
  const body = Buffer.from(toV02Time(n.pubTime) + ' ' + baseUrl + ' ' + escapeRelPath(n.relPath), 'utf8');
  const headers: Record<string, unknown> = {};
  let sumDone = false;
  for (const k of Object.keys(n)) {
    const v = n[k];
    if (v === undefined) continue;
    switch (k) {
      case 'pubTime':
      case 'baseUrl':
      case 'relPath':
        break;
      case 'identity':
      case 'fileOp': {
        if (k === 'fileOp') {
          const op = v as FileOp;
          if (op.link !== undefined) headers.link = op.link;
          if (op.rename !== undefined) headers.oldname = op.rename;
          if (op.hlink !== undefined) headers.hlink = op.hlink;
        }
        if (!sumDone) {
          sumDone = true;
          const sum = sumOf(n);
          if (sum !== undefined) headers.sum = sum;
        }
        break;
      }
      case 'size':
        headers.parts = `1,${String(v)},1,0,0`;
        break;
      case 'mtime':
      case 'atime':
        headers[k] = toV02Time(v as string);
        break;
      default:
        headers[k] = v;
    }
  }
  // fields derived from identity/fileOp/size win over same-named user fields wherever those came in the notice
  const derivedSum = sumOf(n);
  if (derivedSum !== undefined) headers.sum = derivedSum;
  if (typeof n.size === 'number') headers.parts = `1,${String(n.size)},1,0,0`;
  const op = n.fileOp;
  if (op?.link !== undefined) headers.link = op.link;
  if (op?.rename !== undefined) headers.oldname = op.rename;
  if (op?.hlink !== undefined) headers.hlink = op.hlink;
  for (const k of Object.keys(headers)) {
    if (k.length > 85 && Buffer.byteLength(k, 'utf8') > HEADER_MAX_BYTES) throw new HeaderTooLongError(k, Buffer.byteLength(k, 'utf8'));
    checkHeader(k, headers[k]);
  }
  return { body, headers };
}
