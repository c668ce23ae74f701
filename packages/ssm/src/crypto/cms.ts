// CMS (PKCS#7) SignedData (detached) and EnvelopedData (RSA key transport, AES-CBC) over node:crypto:
// the DER that `openssl smime -sign` / `-encrypt` write and `-verify` / `-decrypt` read. Pure: no I/O.
import { constants, createCipheriv, createDecipheriv, createHash, privateDecrypt, publicEncrypt, randomBytes,
  sign as rsaSign, verify as rsaVerify, type KeyObject, X509Certificate } from 'node:crypto';
import {
  Asn1Error, certParts, child, CIPHERS, CryptoError, ctx, decode, DIGESTS, int, nul, OID, octets, octetString, oid, oidOf, seq, set,
  SIGNATURE_DIGEST, tlv, utcTime, type CipherName, type Node,
} from '@sarra/common/pki';

const SHA256 = '2.16.840.1.101.3.4.2.1';

function issuerAndSerial(cert: X509Certificate): Buffer {
  const p = certParts(cert);
  return seq(p.issuer.raw, p.serial.raw);
}

/**
 * A detached SignedData over `content` (the canonical, CRLF form of the signed MIME part), signed with
 * sha256 by `key`; attributes contentType, signingTime and messageDigest, the signer certificate included.
 */
export function signDetached(content: Buffer, cert: X509Certificate, key: KeyObject): Buffer {
  const digestAlg = seq(oid(SHA256), nul());
  const attrs = [
    seq(oid(OID.contentType), set(oid(OID.data))),
    seq(oid(OID.signingTime), set(utcTime(new Date()))),
    seq(oid(OID.messageDigest), set(octetString(createHash('sha256').update(content).digest()))),
  ];
  const signedAttrs = set(...attrs);
  const signature = rsaSign('sha256', signedAttrs, key);
  const signerInfo = seq(int(1), issuerAndSerial(cert), digestAlg, Buffer.concat([Buffer.from([0xa0]), signedAttrs.subarray(1)]),
    seq(oid(key.asymmetricKeyType === 'ec' ? '1.2.840.10045.4.3.2' : OID.rsaEncryption), ...(key.asymmetricKeyType === 'ec' ? [] : [nul()])),
    octetString(signature));
  const signedData = seq(int(1), set(digestAlg), seq(oid(OID.data)), ctx(0, cert.raw), set(signerInfo));
  return seq(oid(OID.signedData), ctx(0, signedData));
}

/** What a verified signature says: the signer's certificate and the other certificates carried. */
export interface Signed {
  signer: X509Certificate;
  certificates: X509Certificate[];
}

/** Checks that `der` (a detached SignedData) signs `content`; throws CryptoError saying why not. */
export function verifyDetached(content: Buffer, der: Buffer): Signed {
  let root: Node;
  try { root = decode(der); } catch (err: unknown) { throw new CryptoError('signature is not ASN.1', { cause: err }); }
  try {
    if (oidOf(child(root, 0, 'contentType')) !== OID.signedData) throw new CryptoError('not a PKCS#7 signedData');
    const sd = child(child(root, 1, 'content'), 0, 'SignedData');
    const certsNode = sd.children.find((c) => c.tag === 0xa0);
    const certificates = (certsNode?.children ?? []).filter((c) => c.tag === 0x30).map((c) => new X509Certificate(c.raw));
    const infos = sd.children[sd.children.length - 1]!;
    const si = child(infos, 0, 'signerInfo');
    const sid = child(si, 1, 'signer identifier');
    const signer = certificates.find((c) => { const p = certParts(c); return Buffer.compare(seq(p.issuer.raw, p.serial.raw), sid.raw) === 0; })
      ?? (certificates.length === 1 ? certificates[0] : undefined);
    if (!signer) throw new CryptoError('signer certificate not in the message');
    const digestOid = oidOf(child(child(si, 2, 'digestAlgorithm'), 0, 'digest OID'));
    const digest = DIGESTS[digestOid]?.name;
    if (!digest) throw new CryptoError(`unsupported digest ${digestOid}`);
    let k = 3;
    let signedBytes = content;
    if (si.children[3]?.tag === 0xa0) {
      const attrs = si.children[3];
      k = 4;
      const md = attrs.children.find((a) => oidOf(child(a, 0, 'attribute')) === OID.messageDigest);
      if (!md) throw new CryptoError('no messageDigest attribute');
      if (!octets(child(child(md, 1, 'values'), 0, 'value')).equals(createHash(digest).update(content).digest())) {
        throw new CryptoError('content digest mismatch: the message was altered');
      }
      signedBytes = Buffer.concat([Buffer.from([0x31]), attrs.raw.subarray(1)]);
    }
    const sigAlg = oidOf(child(child(si, k, 'signatureAlgorithm'), 0, 'signature OID'));
    const sig = octets(child(si, k + 1, 'signature'));
    const hash = SIGNATURE_DIGEST[sigAlg] ?? digest;
    if (!rsaVerify(hash, signedBytes, signer.publicKey, sig)) throw new CryptoError('signature does not verify: the message was altered or forged');
    return { signer, certificates };
  } catch (err: unknown) {
    if (err instanceof CryptoError) throw err;
    throw new CryptoError(`malformed signature: ${err instanceof Asn1Error || err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** An EnvelopedData of `data` for `recipient`: a random `cipher` key, RSA PKCS#1 v1.5 key transport. */
export function envelope(data: Buffer, recipient: X509Certificate, cipher: CipherName = 'aes128'): Buffer {
  const c = CIPHERS[cipher];
  const key = randomBytes(c.keyLen);
  const iv = randomBytes(16);
  const enc = createCipheriv(c.name, key, iv);
  const body = Buffer.concat([enc.update(data), enc.final()]);
  const ek = publicEncrypt({ key: recipient.publicKey, padding: constants.RSA_PKCS1_PADDING }, key);
  const ri = seq(int(0), issuerAndSerial(recipient), seq(oid(OID.rsaEncryption), nul()), octetString(ek));
  const eci = seq(oid(OID.data), seq(oid(c.oid), octetString(iv)), tlv(0x80, body));
  return seq(oid(OID.envelopedData), ctx(0, seq(int(0), set(ri), eci)));
}

/**
 * RSA PKCS#1 v1.5 decryption of the content key done by hand on a raw RSA result (Node 20 refuses
 * the padding, CVE-2023-46809): a bad padding yields a random key, so a padding oracle sees only a
 * failed content decryption (implicit rejection, as OpenSSL 3.2 does).
 */
function unwrapKey(ek: Buffer, key: KeyObject, keyLen: number): Buffer {
  const em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, ek);
  const sep = em.indexOf(0, 2);
  const ok = em[0] === 0 && em[1] === 2 && sep >= 10 && em.length - sep - 1 === keyLen;
  return ok ? em.subarray(sep + 1) : randomBytes(keyLen);
}

/** Decrypts an EnvelopedData (DER or BER) for `cert`/`key`; throws CryptoError when it is not for us or is damaged. */
export function openEnvelope(der: Buffer, cert: X509Certificate, key: KeyObject): Buffer {
  try {
    const root = decode(der);
    if (oidOf(child(root, 0, 'contentType')) !== OID.envelopedData) throw new CryptoError('not a PKCS#7 envelopedData');
    const ed = child(child(root, 1, 'content'), 0, 'EnvelopedData');
    const o = ed.children[1]?.tag === 0xa0 ? 2 : 1; // originatorInfo
    const mine = issuerAndSerial(cert);
    const ri = child(ed, o, 'recipientInfos').children.find((r) => r.children[1] && Buffer.compare(r.children[1].raw, mine) === 0);
    if (!ri) throw new CryptoError('message not encrypted for this certificate');
    const eci = child(ed, o + 1, 'encryptedContentInfo');
    const alg = child(eci, 1, 'contentEncryptionAlgorithm');
    const algOid = oidOf(child(alg, 0, 'cipher'));
    const c = Object.values(CIPHERS).find((x) => x.oid === algOid);
    if (!c) throw new CryptoError(`unsupported content cipher ${algOid}`);
    const cek = unwrapKey(octets(child(ri, 3, 'encryptedKey')), key, c.keyLen);
    const enc = child(eci, 2, 'encryptedContent');
    const dec = createDecipheriv(c.name, cek, octets(child(alg, 1, 'iv')));
    return Buffer.concat([dec.update(octets(enc)), dec.final()]);
  } catch (err: unknown) {
    if (err instanceof CryptoError) throw err;
    throw new CryptoError(`cannot decrypt: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
