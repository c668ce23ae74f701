// S/MIME interop with the openssl CLI both ways: sign/verify, encrypt/decrypt (aes128/192/256), the signer
// DN in OpenSSL's legacy form, chains against capath and CRLs; certificates made by the test with openssl.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { ConfigError } from '@sarra/common';
import { decryptMessage, encryptMessage, isEncrypted, signMessage, verifyMessage } from '../src/crypto/smime.js';
import { CryptoError, loadIdentity, subjectDn, TrustStore, type Identity } from '@sarra/common/pki';
import { makePki, openssl, type Pki } from '@sarra/testkit/pki';

let pki: Pki;
let sender: Identity;
let receiver: Identity;
let store: TrustStore;
const BODY = Buffer.from('APEL-summary-job-message: v0.3\nSite: RAL-LCG2\nMonth: 3\n%%\n');

before(async () => {
  pki = await makePki();
  sender = await loadIdentity(pki.hosts.sender.cert, pki.hosts.sender.key);
  receiver = await loadIdentity(pki.hosts.receiver.cert, pki.hosts.receiver.key);
  store = await TrustStore.load(pki.capath);
});
after(async () => { await pki?.cleanup(); });

const ossl = (args: string[], input: Buffer) => openssl(args, input);

test('openssl smime -verify accepts what we sign; its -text output is our body in CRLF form', () => {
  const msg = signMessage(BODY, sender.cert, sender.key);
  const out = ossl(['smime', '-verify', '-CApath', pki.capath, '-purpose', 'any', '-text'], msg);
  assert.equal(out.toString(), BODY.toString().replace(/\n/g, '\r\n'));
});

test('we verify what openssl smime -sign -text signs: body byte-exact, signer DN as openssl -nameopt compat prints it', () => {
  const msg = ossl(['smime', '-sign', '-inkey', pki.hosts.sender.key, '-signer', pki.hosts.sender.cert, '-text'], BODY);
  const v = verifyMessage(msg);
  assert.deepEqual(v.body, BODY);
  const compat = ossl(['x509', '-noout', '-subject', '-nameopt', 'compat', '-in', pki.hosts.sender.cert], Buffer.alloc(0)).toString().trim().replace(/^subject=\s*/, '');
  assert.equal(subjectDn(v.signer), compat);
  assert.equal(subjectDn(v.signer), pki.hosts.sender.dn);
  store.verifyChain(v.signer, v.certificates);
});

test('a UTF-8 subject prints as openssl compat does (\\xHH escapes)', async () => {
  const id = await loadIdentity(pki.hosts.utf8.cert, pki.hosts.utf8.key);
  const compat = ossl(['x509', '-noout', '-subject', '-nameopt', 'compat', '-in', pki.hosts.utf8.cert], Buffer.alloc(0)).toString().trim().replace(/^subject=\s*/, '');
  assert.equal(id.dn, compat);
  assert.match(id.dn, /\\xC3\\xA9/);
});

test('bodies LF text cannot carry (CRLF, no final newline, not UTF-8) round-trip byte-exact; UTF-8 stays text', () => {
  for (const b of [Buffer.from('line one\r\nline two  \r\n\r\n'), Buffer.from('no newline at end'), Buffer.from([0xff, 0x00, 0x0d, 0x41]), Buffer.from('é ✓ 日本\n')]) {
    const msg = signMessage(b, sender.cert, sender.key);
    assert.deepEqual(verifyMessage(msg).body, b);
    ossl(['smime', '-verify', '-CApath', pki.capath, '-purpose', 'any'], msg); // openssl accepts every form
  }
  assert.match(signMessage(Buffer.from('é\n'), sender.cert, sender.key).toString(), /Content-Type: text\/plain\r\n\r\né\n/);
});

test('a tampered body or signature is refused with the reason', () => {
  const msg = signMessage(BODY, sender.cert, sender.key).toString('latin1');
  assert.throws(() => verifyMessage(Buffer.from(msg.replace('Month: 3', 'Month: 4'), 'latin1')), (e: unknown) => e instanceof CryptoError && /digest mismatch/.test(e.message));
  const sigAt = msg.lastIndexOf('\n\n------') - 10;
  const broken = msg.slice(0, sigAt) + (msg[sigAt] === 'A' ? 'B' : 'A') + msg.slice(sigAt + 1);
  assert.throws(() => verifyMessage(Buffer.from(broken, 'latin1')), CryptoError);
  assert.throws(() => verifyMessage(Buffer.from('just text\n')), (e: unknown) => e instanceof CryptoError && /not a signed S\/MIME/.test(e.message));
});

test('chain: a signer from a CA outside capath is refused; check_crls refuses a revoked signer, accepts a good one', async () => {
  const stranger = await loadIdentity(pki.stranger.cert, pki.stranger.key);
  const v = verifyMessage(signMessage(BODY, stranger.cert, stranger.key));
  assert.throws(() => store.verifyChain(v.signer, v.certificates), (e: unknown) => e instanceof CryptoError && /unable to get issuer/.test(e.message));
  const revoked = await loadIdentity(pki.hosts.revoked.cert, pki.hosts.revoked.key);
  store.verifyChain(revoked.cert); // in date and chained: only the CRL says no
  await assert.rejects(store.checkCrls(revoked.cert), (e: unknown) => e instanceof CryptoError && /CRL check failed.*revoked/i.test(e.message));
  await store.checkCrls(sender.cert);
  await assert.rejects(store.checkCrls(revoked.cert), /revoked/i); // cached verdict
});

for (const cipher of ['aes128', 'aes192', 'aes256'] as const) {
  test(`encrypt ${cipher}: openssl smime -decrypt opens ours, we open openssl's, then verify`, () => {
    const signed = signMessage(BODY, sender.cert, sender.key);
    const ours = encryptMessage(signed, receiver.cert, cipher);
    assert.ok(isEncrypted(ours));
    const opened = ossl(['smime', '-decrypt', '-recip', pki.hosts.receiver.cert, '-inkey', pki.hosts.receiver.key], ours);
    ossl(['smime', '-verify', '-CApath', pki.capath, '-purpose', 'any'], opened);
    const theirs = ossl(['smime', '-encrypt', `-${cipher}`, pki.hosts.receiver.cert], signed);
    assert.ok(isEncrypted(theirs));
    assert.deepEqual(verifyMessage(decryptMessage(theirs, receiver.cert, receiver.key)).body, BODY);
    assert.deepEqual(verifyMessage(decryptMessage(ours, receiver.cert, receiver.key)).body, BODY);
  });
}

test('a message encrypted for another certificate is refused', async () => {
  const other = await loadIdentity(pki.hosts.other.cert, pki.hosts.other.key);
  const enc = encryptMessage(signMessage(BODY, sender.cert, sender.key), other.cert);
  assert.throws(() => decryptMessage(enc, receiver.cert, receiver.key), (e: unknown) => e instanceof CryptoError && /not encrypted for this certificate/.test(e.message));
});

test('start-up checks: a key that does not match its certificate is a ConfigError', async () => {
  await assert.rejects(loadIdentity(pki.hosts.sender.cert, pki.hosts.receiver.key), (e: unknown) => e instanceof ConfigError && /do not match/.test(e.message));
  await writeFile(`${pki.dir}/empty.pem`, '');
  await assert.rejects(loadIdentity(`${pki.dir}/empty.pem`, pki.hosts.sender.key), ConfigError);
  assert.ok((await readFile(pki.hosts.sender.cert)).length > 0);
});
