// Trust decisions: the signer's chain up to a self-signed CA in `capath` (node:crypto, in process), CRLs via
// `openssl verify -crl_check_all` when check_crls (cached per certificate), and SSM's start-up checks.
import { execFile } from 'node:child_process';
import type { X509Certificate} from 'node:crypto';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readdir, readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { ConfigError } from '../errors.js';
import { CryptoError } from './crypto-error.js';
import { pemCertificates, subjectDn } from './dn.js';

/** How long a CRL verdict on one certificate is reused. @default 600 s (SSM re-reads its DN list as often) */
const CRL_TTL_MS = 600_000;

/** The CA certificates of a capath directory, indexed by subject. */
export class TrustStore {
  private crlCache = new Map<string, { ok: boolean; reason: string; at: number }>();
  private constructor(readonly capath: string, private readonly bySubject: Map<string, X509Certificate[]>, readonly loadedAt: number) {}

  /** Reads every PEM certificate in `capath` (hashed links `*.0`, `*.pem`, …; CRLs and others are skipped). */
  static async load(capath: string): Promise<TrustStore> {
    let names: string[];
    try { names = await readdir(capath); } catch (err: unknown) {
      throw new ConfigError(`capath ${capath}: ${(err as Error).message}`, { cause: err });
    }
    const bySubject = new Map<string, X509Certificate[]>();
    const seen = new Set<string>();
    for (const n of names) {
      const text = await readFile(`${capath}/${n}`, 'latin1').catch(() => '');
      if (!text.includes('BEGIN CERTIFICATE')) continue;
      for (const c of pemCertificates(text)) {
        if (seen.has(c.fingerprint256)) continue;
        seen.add(c.fingerprint256);
        bySubject.set(c.subject, [...(bySubject.get(c.subject) ?? []), c]);
      }
    }
    return new TrustStore(capath, bySubject, Date.now());
  }

  /** Number of distinct CA certificates loaded. */
  get size(): number {
    let n = 0;
    for (const v of this.bySubject.values()) n += v.length;
    return n;
  }

  /**
   * Checks `cert` chains to a self-signed CA of this store (intermediates may come from `untrusted`),
   * every link in date and every issuer a CA; throws CryptoError with the reason.
   */
  verifyChain(cert: X509Certificate, untrusted: X509Certificate[] = [], now = new Date()): X509Certificate[] {
    const chain = [cert];
    const inStore = (c: X509Certificate) => (this.bySubject.get(c.subject) ?? []).some((t) => t.fingerprint256 === c.fingerprint256);
    let cur = cert;
    for (let depth = 0; depth < 10; depth++) {
      if (new Date(cur.validTo) < now) throw new CryptoError(`certificate expired: ${subjectDn(cur)} (${cur.validTo})`);
      if (new Date(cur.validFrom) > now) throw new CryptoError(`certificate not yet valid: ${subjectDn(cur)}`);
      if (cur.subject === cur.issuer && cur.verify(cur.publicKey)) {
        if (inStore(cur)) return chain;
        throw new CryptoError(`self-signed certificate not in capath: ${subjectDn(cur)}`);
      }
      const issued = (c: X509Certificate) => c !== cur && cur.checkIssued(c) && cur.verify(c.publicKey);
      const issuer = (this.bySubject.get(cur.issuer) ?? []).find(issued) ?? untrusted.find(issued);
      if (!issuer) throw new CryptoError(`unable to get issuer certificate of ${subjectDn(cur)} from capath`);
      if (!issuer.ca) throw new CryptoError(`issuer is not a CA: ${subjectDn(issuer)}`);
      chain.push(issuer);
      cur = issuer;
    }
    throw new CryptoError('certificate chain too long');
  }

  /** `openssl verify -CApath <capath> -crl_check_all` on `cert`, its verdict cached for 10 minutes. */
  async checkCrls(cert: X509Certificate, untrusted: X509Certificate[] = []): Promise<void> {
    const hit = this.crlCache.get(cert.fingerprint256);
    if (hit && Date.now() - hit.at < CRL_TTL_MS) {
      if (!hit.ok) throw new CryptoError(hit.reason);
      return;
    }
    const dir = await mkdtemp(`${tmpdir()}/ssm-crl-`);
    try {
      await writeFile(`${dir}/cert.pem`, cert.toString());
      const args = ['verify', '-CApath', this.capath, '-crl_check_all'];
      if (untrusted.length) {
        await writeFile(`${dir}/chain.pem`, untrusted.map((c) => c.toString()).join(''));
        args.push('-untrusted', `${dir}/chain.pem`);
      }
      const out = await new Promise<string>((resolve) => {
        execFile('openssl', [...args, `${dir}/cert.pem`], { timeout: 30_000 }, (err, stdout, stderr) => resolve(`${stdout}${stderr}${err && !stdout.includes(': OK') ? ` ${err.message}` : ''}`));
      });
      const ok = /: OK\s*$/.test(out.trim()) && !/error/i.test(out);
      const reason = ok ? '' : `CRL check failed: ${out.trim().split('\n').filter((l) => /error/i.test(l)).join('; ') || out.trim()}`;
      this.crlCache.set(cert.fingerprint256, { ok, reason, at: Date.now() });
      if (!ok) throw new CryptoError(reason);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** A host certificate and its private key, checked to match and to be in date (SSM's start-up checks). */
export interface Identity {
  cert: X509Certificate;
  key: KeyObject;
  dn: string;
}

/** Loads certificate and key; ConfigError if unreadable, mismatched or expired (SSM refuses to start too). */
export async function loadIdentity(certFile: string, keyFile: string, now = new Date()): Promise<Identity> {
  let cert: X509Certificate;
  let key: KeyObject;
  try { cert = pemCertificates(await readFile(certFile))[0]!; if (!cert) throw new Error('no PEM certificate in it'); } catch (err: unknown) {
    throw new ConfigError(`certificate ${certFile}: ${(err as Error).message}`, { cause: err });
  }
  try { key = createPrivateKey(await readFile(keyFile)); } catch (err: unknown) {
    throw new ConfigError(`key ${keyFile}: ${(err as Error).message}`, { cause: err });
  }
  const pub = (k: KeyObject) => (k.type === 'private' ? createPublicKey(k) : k).export({ type: 'spki', format: 'der' });
  if (!pub(key).equals(pub(cert.publicKey))) throw new ConfigError(`certificate ${certFile} and key ${keyFile} do not match`);
  if (new Date(cert.validTo) < now) throw new ConfigError(`certificate ${certFile} expired on ${cert.validTo}`);
  return { cert, key, dn: subjectDn(cert) };
}
