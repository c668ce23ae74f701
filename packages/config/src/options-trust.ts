// Option table, part 4: signed notices (issue 14 item 6): the poster's certificate and key, the subscriber's trust.
import { isNone, opt } from './option-kinds.js';

/** `post_sign <cert> <key>`: two PEM file paths (a path with spaces cannot be given); `None` unsets. */
function parsePostSign(value: string): { cert: string; key: string } | undefined {
  const v = value.trim();
  if (isNone(v) || v === '') return undefined;
  const parts = v.split(/\s+/);
  if (parts.length !== 2) throw new Error(`expected two file names, the PEM certificate and its private key: '${v}'`);
  return { cert: parts[0]!, key: parts[1]! };
}

export const TRUST_OPTIONS = [
  opt('post_sign', 'str', undefined as { cert: string; key: string } | undefined,
    'Sign every posted notice (v03 `signature` field) with this PEM certificate and private key: `post_sign <cert> <key>`.', {
      parse: parsePostSign,
    }),
  opt('notice_verify', 'flag', false,
    'Refuse (403, before any transfer) notices that are unsigned, forged, or signed by a certificate notice_capath does not trust or a DN notice_signers does not list.'),
  opt('notice_capath', 'str', undefined as string | undefined,
    'With notice_verify: directory of trusted CA certificates (PEM, as `openssl rehash` leaves them: SSM\'s capath).'),
  opt('notice_signers', 'str', undefined as string | undefined,
    'With notice_verify: file of allowed signer DNs, one `/C=../O=../CN=..` a line, `#` comments (SSM\'s dns file).'),
];
