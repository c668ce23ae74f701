// The object identifiers CMS S/MIME uses here, and the digest / cipher names they stand for.

export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  rsaEncryption: '1.2.840.113549.1.1.1',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
} as const;

/** Digest OIDs -> node:crypto names (and the micalg parameter of multipart/signed). */
export const DIGESTS: Record<string, { name: string; micalg: string }> = {
  '1.3.14.3.2.26': { name: 'sha1', micalg: 'sha-1' },
  '2.16.840.1.101.3.4.2.1': { name: 'sha256', micalg: 'sha-256' },
  '2.16.840.1.101.3.4.2.2': { name: 'sha384', micalg: 'sha-384' },
  '2.16.840.1.101.3.4.2.3': { name: 'sha512', micalg: 'sha-512' },
};

/** Signature algorithm OIDs that imply their digest (besides rsaEncryption + the digest OID). */
export const SIGNATURE_DIGEST: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1', '1.2.840.113549.1.1.11': 'sha256', '1.2.840.113549.1.1.12': 'sha384', '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256', '1.2.840.10045.4.3.3': 'sha384', '1.2.840.10045.4.3.4': 'sha512',
};

/** The content ciphers `openssl smime -encrypt` offers SSM: CBC with a 16-byte IV. */
export const CIPHERS = {
  aes128: { oid: '2.16.840.1.101.3.4.1.2', name: 'aes-128-cbc', keyLen: 16 },
  aes192: { oid: '2.16.840.1.101.3.4.1.22', name: 'aes-192-cbc', keyLen: 24 },
  aes256: { oid: '2.16.840.1.101.3.4.1.42', name: 'aes-256-cbc', keyLen: 32 },
} as const;
export type CipherName = keyof typeof CIPHERS;

/** Short names OpenSSL prints in a DN. */
export const DN_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN', '2.5.4.4': 'SN', '2.5.4.5': 'serialNumber', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.9': 'street',
  '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.12': 'title', '2.5.4.42': 'GN', '2.5.4.43': 'initials', '2.5.4.44': 'generationQualifier',
  '2.5.4.46': 'dnQualifier', '2.5.4.65': 'pseudonym', '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.25': 'DC', '0.9.2342.19200300.100.1.1': 'UID',
};
