// A small ASN.1 reader (BER, as `openssl smime -encrypt` streams indefinite lengths) and DER writer:
// just what CMS SignedData / EnvelopedData and X.509 names need. Pure: no I/O.
import { PermanentError } from '../errors.js';

/** One decoded TLV. `raw` is the whole encoding (tag, length, value) as found in the input. */
export interface Node {
  tag: number;
  constructed: boolean;
  /** The contents (for a constructed node, the bytes of its children). */
  value: Buffer;
  raw: Buffer;
  children: Node[];
}

/** Malformed ASN.1 in a message: reject it. */
export class Asn1Error extends PermanentError {
  constructor(reason: string) {
    super(`ASN.1: ${reason}`, { code: 'ERR_ASN1', reportCode: 417 });
  }
}

function readNode(buf: Buffer, pos: number, depth: number): { node: Node; end: number } {
  if (depth > 40) throw new Asn1Error('nested too deep');
  if (pos + 2 > buf.length) throw new Asn1Error('truncated');
  const start = pos;
  const tag = buf[pos++]!;
  if ((tag & 0x1f) === 0x1f) throw new Asn1Error('high tag numbers are not used here');
  const constructed = (tag & 0x20) !== 0;
  let len = buf[pos++]!;
  const children: Node[] = [];
  if (len === 0x80) { // indefinite: children until end-of-contents 00 00
    if (!constructed) throw new Asn1Error('indefinite length on a primitive');
    const vstart = pos;
    for (;;) {
      if (pos + 2 > buf.length) throw new Asn1Error('truncated indefinite length');
      if (buf[pos] === 0 && buf[pos + 1] === 0) break;
      const r = readNode(buf, pos, depth + 1);
      children.push(r.node);
      pos = r.end;
    }
    const value = buf.subarray(vstart, pos);
    return { node: { tag, constructed, value, raw: buf.subarray(start, pos + 2), children }, end: pos + 2 };
  }
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n > 4 || pos + n > buf.length) throw new Asn1Error('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos++]!;
  }
  const end = pos + len;
  if (end > buf.length) throw new Asn1Error('length past the end');
  const value = buf.subarray(pos, end);
  if (constructed) {
    let p = pos;
    while (p < end) {
      const r = readNode(buf, p, depth + 1);
      children.push(r.node);
      p = r.end;
    }
  }
  return { node: { tag, constructed, value, raw: buf.subarray(start, end), children }, end };
}

/** Decodes one ASN.1 element at the start of `buf` (trailing bytes are ignored, as openssl does). */
export function decode(buf: Buffer): Node {
  return readNode(buf, 0, 0).node;
}

/** The bytes of an OCTET STRING, primitive or constructed (BER chunks joined). */
export function octets(n: Node): Buffer {
  return n.constructed ? Buffer.concat(n.children.map(octets)) : n.value;
}

/** Child `i` of `n`, or an Asn1Error naming what was expected. */
export function child(n: Node | undefined, i: number, what: string): Node {
  const c = n?.children[i];
  if (!c) throw new Asn1Error(`missing ${what}`);
  return c;
}

/** Dotted form of an OBJECT IDENTIFIER node. */
export function oidOf(n: Node): string {
  if (n.tag !== 0x06) throw new Asn1Error('expected an OBJECT IDENTIFIER');
  const v = n.value;
  const out = [Math.floor(v[0]! / 40), v[0]! % 40];
  let acc = 0;
  for (let i = 1; i < v.length; i++) {
    acc = acc * 128 + (v[i]! & 0x7f);
    if (!(v[i]! & 0x80)) { out.push(acc); acc = 0; }
  }
  return out.join('.');
}

// ---- DER writer ----

function lengthBytes(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let x = n; x > 0; x = Math.floor(x / 256)) bytes.unshift(x & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** A DER TLV with `tag` around `parts`. */
export function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const value = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), lengthBytes(value.length), value]);
}

/** SEQUENCE of parts. */
export const seq = (...parts: Buffer[]): Buffer => tlv(0x30, ...parts);
/** SET of parts, sorted as DER requires. */
export const set = (...parts: Buffer[]): Buffer => tlv(0x31, ...[...parts].sort(Buffer.compare));
/** Context-specific constructed [n]. */
export const ctx = (n: number, ...parts: Buffer[]): Buffer => tlv(0xa0 | n, ...parts);
/** OCTET STRING. */
export const octetString = (b: Buffer): Buffer => tlv(0x04, b);
/** NULL. */
export const nul = (): Buffer => Buffer.from([0x05, 0x00]);
/** A small non-negative INTEGER. */
export const int = (n: number): Buffer => tlv(0x02, Buffer.from([n]));

/** OBJECT IDENTIFIER from its dotted form. */
export function oid(dotted: string): Buffer {
  const p = dotted.split('.').map(Number);
  const bytes = [p[0]! * 40 + p[1]!];
  for (const x of p.slice(2)) {
    const b: number[] = [x & 0x7f];
    for (let v = Math.floor(x / 128); v > 0; v = Math.floor(v / 128)) b.unshift((v & 0x7f) | 0x80);
    bytes.push(...b);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime (years 1950-2049), as CMS signingTime wants. */
export function utcTime(d: Date): Buffer {
  const s = d.toISOString();
  return tlv(0x17, Buffer.from(`${s.slice(2, 4)}${s.slice(5, 7)}${s.slice(8, 10)}${s.slice(11, 13)}${s.slice(14, 16)}${s.slice(17, 19)}Z`));
}
