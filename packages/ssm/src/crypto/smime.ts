// The S/MIME text layer: multipart/signed as `openssl smime -sign -text` writes it (LF on the wire, the
// signature over the CRLF form) and application/x-pkcs7-mime enveloped data as `openssl smime -encrypt`
// writes it. Bodies stay byte-exact: one that LF text cannot carry (a CR, not UTF-8) travels base64.
import { randomBytes, type KeyObject, type X509Certificate } from 'node:crypto';
import { CryptoError, type CipherName } from '@sarra/common/pki';
import { envelope, openEnvelope, signDetached, verifyDetached, type Signed } from './cms.js';

const L = 'latin1'; // one char per byte: string operations that keep every byte

function base64Lines(der: Buffer): string {
  return der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
}

function isPlainText(body: Buffer): boolean {
  if (body.includes(0x0d)) return false;
  try { new TextDecoder('utf-8', { fatal: true }).decode(body); return true; } catch { return false; }
}

/** Signs `body` into a multipart/signed S/MIME message (bytes), as SSM's sender sends it. */
export function signMessage(body: Buffer, cert: X509Certificate, key: KeyObject): Buffer {
  const part = isPlainText(body)
    ? 'Content-Type: text/plain\r\n\r\n' + body.toString(L)
    : 'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n' + base64Lines(body) + '\n';
  const canonical = Buffer.from(part.replace(/\r?\n/g, '\r\n'), L);
  const der = signDetached(canonical, cert, key);
  const b = '----' + randomBytes(16).toString('hex').toUpperCase();
  const text = 'MIME-Version: 1.0\n' +
    `Content-Type: multipart/signed; protocol="application/x-pkcs7-signature"; micalg="sha-256"; boundary="${b}"\n\n` +
    `This is an S/MIME signed message\n\n--${b}\n${part}\n--${b}\n` +
    'Content-Type: application/x-pkcs7-signature; name="smime.p7s"\nContent-Transfer-Encoding: base64\n' +
    `Content-Disposition: attachment; filename="smime.p7s"\n\n${base64Lines(der)}\n\n--${b}--\n\n`;
  return Buffer.from(text, L);
}

/** Splits MIME text at the first blank line into headers (unfolded, names lowercased) and body. */
function splitHeaders(text: string): { headers: Map<string, string>; body: string } {
  const m = /\r?\n\r?\n/.exec(text);
  const head = m ? text.slice(0, m.index) : text;
  const body = m ? text.slice(m.index + m[0].length) : '';
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return { headers, body };
}

function param(header: string | undefined, name: string): string | undefined {
  const m = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(header ?? '');
  return m ? (m[1] ?? m[2]) : undefined;
}

function decodeQuotedPrintable(s: string): string {
  return s.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** True when the message is enveloped (encrypted) data: its own Content-Type says pkcs7-mime. */
export function isEncrypted(message: Buffer): boolean {
  const ct = splitHeaders(message.toString(L)).headers.get('content-type') ?? '';
  return /application\/(x-)?pkcs7-mime/i.test(ct);
}

/** A verified message: the signed body as the sender's spool held it, and the signature facts. */
export interface Verified extends Signed {
  body: Buffer;
}

/**
 * Verifies a multipart/signed message the way `openssl smime -verify` does (digest over the CRLF form
 * of the first part) and returns its body; throws CryptoError with the reason. The chain is not checked here.
 */
export function verifyMessage(message: Buffer): Verified {
  const text = message.toString(L);
  const { headers } = splitHeaders(text);
  const ct = headers.get('content-type') ?? '';
  if (!/^multipart\/signed/i.test(ct)) throw new CryptoError(`not a signed S/MIME message (Content-Type: ${ct.slice(0, 60) || 'none'})`);
  const boundary = param(ct, 'boundary');
  if (!boundary) throw new CryptoError('multipart/signed without a boundary');
  const delim = `--${boundary}`;
  const esc = delim.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`(^|\\r?\\n)${esc}(--)?[ \\t]*(\\r?\\n|$)`, 'g');
  const marks = [...text.matchAll(re)];
  if (marks.length < 3) throw new CryptoError('multipart/signed does not have two parts');
  const at = (i: number) => marks[i]!.index! + marks[i]![0].length;
  const part1 = text.slice(at(0), marks[1]!.index!);
  const part2 = text.slice(at(1), marks[2]!.index!);
  const sig = splitHeaders(part2);
  if (!/pkcs7-signature/i.test(sig.headers.get('content-type') ?? '')) throw new CryptoError('second part is not a PKCS#7 signature');
  const der = Buffer.from(sig.body.replace(/\s+/g, ''), 'base64');
  const signed = verifyDetached(Buffer.from(part1.replace(/\r?\n/g, '\r\n'), L), der);
  const inner = splitHeaders(part1);
  const cte = (inner.headers.get('content-transfer-encoding') ?? '').toLowerCase();
  let body: Buffer;
  if (cte === 'base64') body = Buffer.from(inner.body.replace(/\s+/g, ''), 'base64');
  else if (cte === 'quoted-printable') body = Buffer.from(decodeQuotedPrintable(inner.body), L);
  else body = Buffer.from(part1.includes('\r\n') ? inner.body.replace(/\r\n/g, '\n') : inner.body, L);
  return { ...signed, body };
}

/** Encrypts a (signed) message to `recipient` as `openssl smime -encrypt -<cipher>` does (CRLF inside). */
export function encryptMessage(message: Buffer, recipient: X509Certificate, cipher: CipherName = 'aes128'): Buffer {
  const der = envelope(Buffer.from(message.toString(L).replace(/\r?\n/g, '\r\n'), L), recipient, cipher);
  return Buffer.from('MIME-Version: 1.0\nContent-Disposition: attachment; filename="smime.p7m"\n' +
    'Content-Type: application/x-pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"\nContent-Transfer-Encoding: base64\n\n' +
    base64Lines(der) + '\n\n', L);
}

/** Decrypts an application/pkcs7-mime message for `cert`/`key`; the result is the signed message. */
export function decryptMessage(message: Buffer, cert: X509Certificate, key: KeyObject): Buffer {
  const { body } = splitHeaders(message.toString(L));
  return openEnvelope(Buffer.from(body.replace(/\s+/g, ''), 'base64'), cert, key);
}
