// Signed notices: sign and check, each signed field tampered, relays' fields free, wrong signer, expiry, unknown CA,
// openssl CLI agreement, the poster (post_sign, pass-through, re-stamping) and the filter (notice_verify).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { ConfigError, Logger } from '@sarra/common';
import { loadIdentity, TrustStore, type Identity } from '@sarra/common/pki';
import type { Options } from '@sarra/config';
import type { Notice } from '@sarra/message';
import { makePki, openssl, type Host, type Pki } from '@sarra/testkit/pki';
import { canonicalBytes, NoticeVerifier, signNotice, type NoticeSignature } from '../src/signature.js';
import { noticeSigner, restamp, verifyingAccept } from '../src/notice-trust.js';
import { Poster, type PublisherLike } from '../src/post.js';
import type { WorkItem } from '../src/types.js';

const NOTICE: Notice = {
  pubTime: '20260101T000000.5', baseUrl: 'https://origin.example.org/data', relPath: '/obs/2026/a b%.txt', size: 1234,
  identity: { method: 'sha512', value: 'q2Z8cCk3d0k=' }, mtime: '20260101T000000', source: 'origin',
};

let pki: Pki;
let signer: Identity;
let other: Identity;
let stranger: Identity;
let ec: Identity;
let trust: TrustStore;
let verifier: NoticeVerifier;

async function ecHost(p: Pki): Promise<Host> {
  const d = p.dir;
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${d}/ec.key`, '-out', `${d}/ec.csr`, '-subj', '/C=CA/O=Sarra/CN=ec.example.org']);
  openssl(['x509', '-req', '-in', `${d}/ec.csr`, '-CA', p.ca.cert, '-CAkey', p.ca.key, '-CAcreateserial', '-out', `${d}/ec.pem`, '-days', '2']);
  return { cert: `${d}/ec.pem`, key: `${d}/ec.key`, dn: '/C=CA/O=Sarra/CN=ec.example.org' };
}

before(async () => {
  pki = await makePki();
  signer = await loadIdentity(pki.hosts.sender.cert, pki.hosts.sender.key);
  other = await loadIdentity(pki.hosts.other.cert, pki.hosts.other.key);
  stranger = await loadIdentity(pki.stranger.cert, pki.stranger.key);
  const e = await ecHost(pki);
  ec = await loadIdentity(e.cert, e.key);
  trust = await TrustStore.load(pki.capath);
  verifier = new NoticeVerifier(trust, new Set([pki.hosts.sender.dn, e.dn, pki.stranger.dn]));
});
after(async () => { await pki?.cleanup(); });

describe('sign and check', () => {
  it('a signed notice checks (RSA and EC); the field is {method, cert, value}', () => {
    for (const id of [signer, ec]) {
      const s = signNotice(NOTICE, id);
      const sig = s.signature as NoticeSignature;
      assert.equal(sig.method, 'x509-sha256');
      assert.ok(Buffer.from(sig.cert, 'base64').equals(id.cert.raw));
      assert.equal(verifier.check(s), undefined);
      assert.equal(NOTICE.signature, undefined, 'the input notice is not changed');
    }
  });

  it('each signed field tampered after signing: forged', () => {
    const s = signNotice({ ...NOTICE, fileOp: { link: 'target' }, content: { encoding: 'utf-8', value: 'hi' } }, signer);
    assert.equal(verifier.check(s), undefined);
    const tampered: Record<string, Notice> = {
      relPath: { ...s, relPath: '/obs/2026/evil.txt' },
      'identity.value': { ...s, identity: { method: 'sha512', value: 'AAAAAAAAAAA=' } },
      'identity.method': { ...s, identity: { method: 'md5', value: 'q2Z8cCk3d0k=' } },
      size: { ...s, size: 1235 },
      'size removed': { ...s, size: undefined },
      fileOp: { ...s, fileOp: { link: 'elsewhere' } },
      'fileOp added': { ...s, fileOp: { link: 'target', remove: '' } },
      content: { ...s, content: { encoding: 'utf-8', value: 'ho' } },
      'identity removed': { ...s, identity: undefined },
    };
    for (const [what, n] of Object.entries(tampered)) assert.match(verifier.check(n) ?? 'accepted', /^forged notice: /, what);
    const bad = { ...s, signature: { ...(s.signature as NoticeSignature), value: Buffer.alloc(256, 1).toString('base64') } };
    assert.match(verifier.check(bad)!, /^forged notice/);
  });

  it('fields a relay changes are not signed: baseUrl, retrievePath, pubTime, source, mtime; a leading / of relPath', () => {
    const s = signNotice(NOTICE, signer);
    const relayed: Notice = { ...s, baseUrl: 'sftp://pump.example.org/', retrievePath: '/x/y', pubTime: '20260102T000000', source: 'pump', mtime: '1', from_cluster: 'c' };
    assert.equal(verifier.check(relayed), undefined);
    assert.equal(verifier.check({ ...s, relPath: 'obs/2026/a b%.txt' }), undefined);
  });

  it('the canonical bytes: one escaped name=value a line, in a fixed order', () => {
    const b = canonicalBytes({ ...NOTICE, relPath: '/a\nb%c', fileOp: { rename: 'old', link: 't' } }).toString();
    assert.equal(b, 'sarra-notice-signature-1\nrelPath=a%0Ab%25c\nidentity=sha512,q2Z8cCk3d0k=\nsize=1234\nfileOp.link=t\nfileOp.rename=old\n');
  });

  it('openssl dgst verifies the value over the canonical bytes (interoperable without sarra-ts)', async () => {
    const s = signNotice(NOTICE, signer);
    const sig = s.signature as NoticeSignature;
    await writeFile(`${pki.dir}/canon`, canonicalBytes(s));
    await writeFile(`${pki.dir}/sig`, Buffer.from(sig.value, 'base64'));
    await writeFile(`${pki.dir}/signer.pem`, `-----BEGIN CERTIFICATE-----\n${sig.cert.replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`);
    const pub = openssl(['x509', '-in', `${pki.dir}/signer.pem`, '-noout', '-pubkey']);
    await writeFile(`${pki.dir}/pub.pem`, pub);
    const out = openssl(['dgst', '-sha256', '-verify', `${pki.dir}/pub.pem`, '-signature', `${pki.dir}/sig`, `${pki.dir}/canon`]).toString();
    assert.match(out, /Verified OK/);
  });

  it('unsigned, malformed, a DN not on the list, an expired certificate, an unknown CA: refused with the reason', () => {
    assert.equal(verifier.check(NOTICE), 'unsigned notice');
    assert.match(verifier.check({ ...NOTICE, signature: 'x' })!, /^bad signature field: not/);
    assert.match(verifier.check({ ...NOTICE, signature: { method: 'pgp', cert: '', value: '' } })!, /unknown method "pgp"/);
    assert.match(verifier.check({ ...NOTICE, signature: { method: 'x509-sha256', cert: 'AAAA', value: '' } })!, /^bad signature field: cert/);
    assert.equal(verifier.check(signNotice(NOTICE, other)), `signer not listed: ${pki.hosts.other.dn}`);
    const later = Date.now() + 5 * 86_400_000;
    assert.match(new NoticeVerifier(trust, new Set([pki.hosts.sender.dn])).check(signNotice(NOTICE, signer), later)!,
      /^untrusted signer: certificate expired: \/C=UK\/O=eScience\/OU=CLRC\/L=RAL\/CN=sender.example.org/);
    assert.match(verifier.check(signNotice(NOTICE, stranger))!, /^untrusted signer: unable to get issuer certificate of \/C=UK\/O=Rogue\/CN=stranger/);
  });
});

function opts(over: Record<string, unknown> = {}): Options {
  return {
    component: 'shovel', config: 'c', file: '/cfg/c.conf', origins: {}, broker: 'amqp://bob@localhost/', post_broker: 'amqp://bob@localhost/',
    post_exchange: 'xpub', post_exchangeSplit: 0, post_topicPrefix: 'v03', topicPrefix: 'v03', topicCopy: false, persistent: true,
    post_messageAgeMax: 0, messageAgeMax: 0, masks: [], acceptUnmatched: true, ...over,
  } as unknown as Options;
}

class FakePublisher implements PublisherLike {
  sent: Buffer[] = [];
  async start(): Promise<void> {}
  publish(_x: string, _key: string, body: Buffer): void { this.sent.push(body); }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

describe('the poster', () => {
  it('post_sign signs every notice it publishes, also one it would otherwise pass through byte for byte', async () => {
    const pub = new FakePublisher();
    const o = opts({ post_sign: { cert: pki.hosts.sender.cert, key: pki.hosts.sender.key } });
    const poster = new Poster(o, { publisher: pub, logger: Logger.silent(), relocate: false, passThrough: true });
    await poster.start();
    const raw = Buffer.from(JSON.stringify(NOTICE));
    await poster.post([{ notice: { ...NOTICE }, raw, format: 'v03' } as WorkItem]);
    const sent = JSON.parse(pub.sent[0]!.toString()) as Notice;
    assert.equal(verifier.check(sent), undefined);
  });

  it('a relay without post_sign passes a signature on when it changed no signed field, and drops it when it did', () => {
    const s = signNotice(NOTICE, signer);
    assert.equal(restamp(s, { ...s, baseUrl: 'https://pump/' }).signature, s.signature);
    const renamed = restamp(s, { ...s, relPath: '/elsewhere' });
    assert.equal(renamed.signature, undefined);
    assert.equal(renamed.relPath, '/elsewhere');
    const resigned = restamp(s, { ...s, relPath: '/elsewhere' }, { sign: (n) => signNotice(n, ec) });
    assert.equal(verifier.check(resigned), undefined);
  });

  it('post_sign with a key of another certificate, or a missing file, is a configuration error naming its line', async () => {
    const at = { post_sign: { file: '/cfg/c.conf', line: 7 } };
    await assert.rejects(noticeSigner(opts({ origins: at, post_sign: { cert: pki.hosts.sender.cert, key: pki.hosts.other.key } })),
      (e: unknown) => e instanceof ConfigError && /^\/cfg\/c.conf:7: post_sign: certificate .* and key .* do not match/.test(e.message));
    await assert.rejects(noticeSigner(opts({ post_sign: { cert: '/nonexistent.pem', key: pki.hosts.other.key } })), ConfigError);
    assert.equal(await noticeSigner(opts()), undefined);
  });
});

describe('the filter with notice_verify', () => {
  it('accepts a signed notice, refuses others with 403 and the reason; masks still come first', async () => {
    await writeFile(`${pki.dir}/signers`, `# allowed\n${pki.hosts.sender.dn}\n\n`);
    const accept = (await verifyingAccept(opts({ notice_verify: true, notice_capath: pki.capath, notice_signers: `${pki.dir}/signers` }), { destination: false }))!;
    const item = (n: Notice) => ({ notice: n }) as WorkItem;
    assert.deepEqual(accept(item(signNotice(NOTICE, signer)), Date.now()), { accepted: true });
    assert.deepEqual(accept(item(NOTICE), Date.now()), { accepted: false, code: 403, reason: 'unsigned notice' });
    const forged = { ...signNotice(NOTICE, signer), identity: { method: 'sha512' as const, value: 'AAAA' } };
    assert.equal((accept(item(forged), Date.now()) as { code: number }).code, 403);
    const masked = (await verifyingAccept(opts({ notice_verify: true, notice_capath: pki.capath, notice_signers: `${pki.dir}/signers`, acceptUnmatched: false }), { destination: false }))!;
    assert.equal((masked(item(NOTICE), Date.now()) as { code: number }).code, 404);
  });

  it('off: the default filter; on without capath or signers, or with an empty list: a configuration error', async () => {
    assert.equal(await verifyingAccept(opts()), undefined);
    await assert.rejects(verifyingAccept(opts({ notice_verify: true, notice_signers: '/x' })), /needs notice_capath/);
    await assert.rejects(verifyingAccept(opts({ notice_verify: true, notice_capath: pki.capath })), /needs notice_signers/);
    await writeFile(`${pki.dir}/empty`, '# nobody\n');
    await assert.rejects(verifyingAccept(opts({ notice_verify: true, notice_capath: pki.capath, notice_signers: `${pki.dir}/empty` })), /no valid DN/);
    await assert.rejects(verifyingAccept(opts({ notice_verify: true, notice_capath: `${pki.dir}/nope`, notice_signers: `${pki.dir}/signers` })), ConfigError);
  });
});
