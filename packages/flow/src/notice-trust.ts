// Signed notices from the options: post_sign for the poster; notice_verify, notice_capath, notice_signers for the filter.
import { ConfigError } from '@sarra/common';
import { loadDns, loadIdentity, TrustStore, type Identity } from '@sarra/common/pki';
import type { Options } from '@sarra/config';
import { REPORT, type Notice } from '@sarra/message';
import { defaultAccept, type AcceptFn, type AcceptOptions } from './accept.js';
import { canonicalBytes, NoticeVerifier, signNotice } from './signature.js';

/** The file:line of `option` (else of notice_verify, else the configuration file), for a ConfigError. */
function where(o: Options, option: string): { file?: string; line?: number } {
  const at = o.origins?.[option] ?? o.origins?.notice_verify;
  return { file: at?.file ?? o.file, line: at?.line };
}

/** Signs outgoing notices with post_sign's certificate and key. */
export interface NoticeSigner {
  sign(n: Notice): Notice;
}

/**
 * With post_sign: the certificate and key, checked to match and to be in date.
 * @throws ConfigError (unreadable, mismatched, expired, or a key type other than RSA or EC)
 */
export async function noticeSigner(o: Options): Promise<NoticeSigner | undefined> {
  if (!o.post_sign) return undefined;
  let id: Identity;
  try {
    id = await loadIdentity(o.post_sign.cert, o.post_sign.key);
  } catch (err: unknown) {
    throw new ConfigError(`post_sign: ${(err as Error).message}`, { ...where(o, 'post_sign'), cause: err });
  }
  const type = id.key.asymmetricKeyType;
  if (type !== 'rsa' && type !== 'ec') throw new ConfigError(`post_sign: key ${o.post_sign.key} is ${type}: x509-sha256 signs with RSA or EC keys`, where(o, 'post_sign'));
  const certB64 = id.cert.raw.toString('base64');
  return { sign: (n) => signNotice(n, id, certB64) };
}

/**
 * The notice a poster sends for `received` once the flow made it `outgoing`: signed by `signer` when there is
 * one (a relay with post_sign vouches for what it announces); else `outgoing` as it is when it carries no
 * signature or still means what was signed; else without the signature that no longer matches (a relay that
 * renamed or re-checksummed the data cannot pass the origin's signature on).
 */
export function restamp(received: Notice, outgoing: Notice, signer?: NoticeSigner): Notice {
  if (signer) return signer.sign(outgoing);
  if (outgoing.signature === undefined || outgoing === received || canonicalBytes(received).equals(canonicalBytes(outgoing))) return outgoing;
  const { signature: _dropped, ...unsigned } = outgoing;
  return unsigned as Notice;
}

/**
 * With notice_verify: the default filter, then the signature check of every notice it accepts (403 and the
 * reason otherwise). It runs before duplicate suppression, so a forged copy cannot claim a genuine notice's key.
 * Undefined without notice_verify (the engine's default filter applies).
 * @throws ConfigError when notice_capath or notice_signers is missing or unreadable, or names no CA or DN
 */
export async function verifyingAccept(o: Options, opts: AcceptOptions = {}): Promise<AcceptFn | undefined> {
  if (!o.notice_verify) return undefined;
  if (!o.notice_capath) throw new ConfigError('notice_verify on needs notice_capath (the directory of trusted CA certificates)', where(o, 'notice_capath'));
  if (!o.notice_signers) throw new ConfigError('notice_verify on needs notice_signers (the file of allowed signer DNs)', where(o, 'notice_signers'));
  let trust: TrustStore;
  let dns: Set<string>;
  try {
    trust = await TrustStore.load(o.notice_capath);
    ({ dns } = await loadDns(o.notice_signers));
  } catch (err: unknown) {
    throw new ConfigError(`notice_verify: ${(err as Error).message}`, { ...where(o, 'notice_verify'), cause: err });
  }
  if (trust.size === 0) throw new ConfigError(`notice_capath ${o.notice_capath}: no CA certificate in it`, where(o, 'notice_capath'));
  const verifier = new NoticeVerifier(trust, dns);
  const inner = defaultAccept(o, opts);
  return (item, now) => {
    const v = inner(item, now);
    if (!v.accepted) return v;
    const why = verifier.check(item.notice, now);
    return why === undefined ? v : { accepted: false, code: REPORT.forbidden, reason: why };
  };
}
