// X.509 name facts from a certificate's DER: the subject in OpenSSL's legacy one-line form
// (`/C=UK/O=eScience/CN=host`, what `openssl x509 -subject -nameopt compat` and SSM's dns file use).
import { X509Certificate } from 'node:crypto';
import { child, decode, oidOf, type Node } from './der.js';
import { DN_NAMES } from './oids.js';

/** The TBSCertificate fields this package needs, as raw DER. */
export interface CertParts {
  serial: Node;
  issuer: Node;
  subject: Node;
}

/** Splits a certificate's DER into serial, issuer and subject. */
export function certParts(cert: X509Certificate): CertParts {
  const tbs = child(decode(cert.raw), 0, 'tbsCertificate');
  const o = tbs.children[0]?.tag === 0xa0 ? 1 : 0;
  return { serial: child(tbs, o, 'serialNumber'), issuer: child(tbs, o + 2, 'issuer'), subject: child(tbs, o + 4, 'subject') };
}

/** One attribute value as X509_NAME_oneline prints it: printable ASCII kept, other bytes as `\xHH`. */
function onelineValue(v: Node): string {
  let bytes = v.value;
  if (v.tag === 0x1e) { // BMPString: to ASCII when it is
    const chars: number[] = [];
    for (let i = 0; i + 1 < bytes.length; i += 2) chars.push(bytes[i]! * 256 + bytes[i + 1]!);
    if (chars.every((c) => c < 0x80)) bytes = Buffer.from(chars);
  }
  let s = '';
  for (const b of bytes) s += b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return s;
}

/** A Name node in OpenSSL's legacy slash form; a multi-valued RDN joins its values with `+`. */
export function legacyName(name: Node): string {
  let out = '';
  for (const rdn of name.children) {
    rdn.children.forEach((ava, i) => {
      const type = oidOf(child(ava, 0, 'attribute type'));
      out += `${i === 0 ? '/' : '+'}${DN_NAMES[type] ?? type}=${onelineValue(child(ava, 1, 'attribute value'))}`;
    });
  }
  return out;
}

/** The certificate's subject DN in legacy slash form, as SSM compares it with the dns allow-list. */
export function subjectDn(cert: X509Certificate): string {
  return legacyName(certParts(cert).subject);
}

/** Every PEM certificate in `pem`, parsed. */
export function pemCertificates(pem: string | Buffer): X509Certificate[] {
  const text = pem.toString();
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => new X509Certificate(m[0]));
}
