// Signed notices (issue 14 item 6): the canonical bytes of what a notice means, its detached X.509 signature, the check.
// Pure apart from node:crypto; the format is in docs/signed-notices.md.
import { sign, verify, X509Certificate } from 'node:crypto';
import { CryptoError, subjectDn, type Identity as Signer, type TrustStore } from '@sarra/common/pki';
import type { Notice } from '@sarra/message';

/** The only method so far: SHA-256 with the key of an X.509 certificate (RSA PKCS#1 v1.5 or ECDSA, DER). */
const SIGNATURE_METHOD = 'x509-sha256';

/** First line of the signed bytes: names the layout, so a later one cannot be mistaken for it. */
const LAYOUT = 'sarra-notice-signature-1';

/** The v03 `signature` field. */
export interface NoticeSignature {
  method: typeof SIGNATURE_METHOD;
  /** The signer's certificate, base64 DER (the subscriber needs nothing but its CAs and a DN list). */
  cert: string;
  /** base64 of the signature over {@link canonicalBytes}. */
  value: string;
}

/** `%`, CR and LF as `%25`, `%0D`, `%0A`: one field a line, whatever a name holds. */
function esc(s: string): string {
  return s.replace(/[%\r\n]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * What is signed: the fields that make a notice's meaning and that a relay does not change — relPath (leading
 * `/` dropped), identity, size, fileOp, inline content — one `name=value` line each, in this order, absent ones
 * left out. baseUrl, retrievePath, pubTime, source, topics and the like are not signed: a sarra re-announcing
 * the data from its own server changes them, and the identity is what makes the data authentic.
 */
export function canonicalBytes(n: Notice): Buffer {
  const lines = [LAYOUT, `relPath=${esc(String(n.relPath ?? '').replace(/^\/+/, ''))}`];
  if (n.identity) lines.push(`identity=${esc(String(n.identity.method))},${esc(String(n.identity.value))}`);
  if (typeof n.size === 'number') lines.push(`size=${n.size}`);
  if (n.fileOp && typeof n.fileOp === 'object') {
    for (const k of Object.keys(n.fileOp).sort()) lines.push(`fileOp.${esc(k)}=${esc(String((n.fileOp as Record<string, unknown>)[k] ?? ''))}`);
  }
  if (n.content) lines.push(`content=${esc(String(n.content.encoding))},${esc(String(n.content.value))}`);
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

/** `n` with its `signature` made by `signer` (any signature it had is replaced). */
export function signNotice(n: Notice, signer: Signer, certB64 = signer.cert.raw.toString('base64')): Notice {
  const value = sign('sha256', canonicalBytes(n), signer.key).toString('base64');
  const signature: NoticeSignature = { method: SIGNATURE_METHOD, cert: certB64, value };
  return { ...n, signature };
}

/** A signer certificate as read from a notice, with what was decided about its chain. */
interface CertEntry {
  cert: X509Certificate;
  dn: string;
  chainError?: string;
  checkedAt: number;
}

/** How long a chain verdict on one certificate is reused, ms (dates are the only thing that changes it). */
const CHAIN_TTL_MS = 60_000;
/** Certificates remembered; a pump has a handful of signers. */
const CACHE_MAX = 256;

/**
 * Checks notices against a capath trust store and a DN allow-list. `check` is synchronous (the flow's filter is):
 * the certificate parse and chain verdict are cached per certificate, the signature itself is checked every time.
 */
export class NoticeVerifier {
  private readonly certs = new Map<string, CertEntry>();

  constructor(private readonly trust: TrustStore, private readonly signers: ReadonlySet<string>) {}

  /**
   * undefined when the notice is signed by an allowed, trusted signer and unchanged since; else why not (report code
   * 403), its first words a stable category (rejectedByReason keeps 60 characters): `unsigned notice`, `bad signature
   * field: …`, `untrusted signer: <chain error>`, `signer not listed: <DN>`, `forged notice: signature does not match`.
   */
  check(n: Notice, now = Date.now()): string | undefined {
    const s = n.signature as Partial<NoticeSignature> | undefined;
    if (s === undefined) return 'unsigned notice';
    if (!s || typeof s !== 'object' || typeof s.cert !== 'string' || typeof s.value !== 'string') return 'bad signature field: not {method, cert, value}';
    if (s.method !== SIGNATURE_METHOD) return `bad signature field: unknown method ${JSON.stringify(s.method)}`;
    let e: CertEntry;
    try { e = this.entry(s.cert, now); } catch (err: unknown) { return `bad signature field: cert: ${(err as Error).message}`; }
    if (e.chainError) return `untrusted signer: ${e.chainError}`;
    if (!this.signers.has(e.dn)) return `signer not listed: ${e.dn}`;
    let ok = false;
    try { ok = verify('sha256', canonicalBytes(n), e.cert.publicKey, Buffer.from(s.value, 'base64')); } catch { ok = false; }
    return ok ? undefined : 'forged notice: signature does not match';
  }

  private entry(b64: string, now: number): CertEntry {
    let e = this.certs.get(b64);
    if (!e) {
      const cert = new X509Certificate(Buffer.from(b64, 'base64'));
      if (this.certs.size >= CACHE_MAX) this.certs.clear();
      e = { cert, dn: subjectDn(cert), checkedAt: 0 };
      this.certs.set(b64, e);
    }
    if (now - e.checkedAt >= CHAIN_TTL_MS) {
      try {
        this.trust.verifyChain(e.cert, [], new Date(now));
        delete e.chainError;
      } catch (err: unknown) {
        e.chainError = err instanceof CryptoError ? err.message : String(err);
      }
      e.checkedAt = now;
    }
    return e;
  }
}
