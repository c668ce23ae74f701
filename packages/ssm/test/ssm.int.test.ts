// ssmsend -> RabbitMQ STOMP -> ssmreceive, with the real python-dirq on both spools and openssl smime as the
// other implementation: what SSM users observe (issue 14 "Done when").
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { StompClient } from '../src/stomp/client.js';
import { loadConfig } from '../src/options.js';
import { createLog } from '../src/log.js';
import { runSender } from '../src/sender.js';
import { signMessage } from '../src/crypto/smime.js';
import { loadIdentity } from '@sarra/common/pki';
import { makeSite, pythonAdd, pythonRead, startReceiver, waitFor, type Site } from './setup.js';
import { openssl } from '@sarra/testkit/pki';
import { python } from './python.js';

let site: Site;
let receiver: { stop(): Promise<void> };
before(async () => {
  site = await makeSite();
  receiver = await startReceiver(site);
});
after(async () => {
  await receiver?.stop();
  await site?.cleanup();
});

const BODIES = ['APEL-summary-job-message: v0.3\nSite: RAL-LCG2\nMonth: 3\nYear: 2026\n%%\n', 'UTF-8: é ✓ 日本\n', 'CRLF kept\r\nand trailing spaces   \r\n', 'no final newline'];

async function send(cfgFile = site.senderCfg) {
  const cfg = await loadConfig(cfgFile, 'sender');
  const log = createLog('ssmsend', cfg.logging);
  try { return await runSender(cfg, log); } finally { await log.close(); }
}

const incoming = () => pythonRead(site.spool, 'incoming');
const rejected = () => pythonRead(site.spool, 'reject');
const outgoingCount = () => Number(python(`import sys\nfrom dirq.QueueSimple import QueueSimple\nprint(QueueSimple(sys.argv[1]).count())`, site.outgoing).trim());

test('python-dirq writes, ssmsend signs and sends, ssmreceive stores: python-dirq reads back byte-identical with the signer DN', async () => {
  const before = incoming().length;
  const names = pythonAdd(site.outgoing, BODIES);
  const r = await send();
  assert.equal(r.sent, BODIES.length);
  assert.equal(outgoingCount(), 0, 'every element left the outgoing spool after its receipt');
  await waitFor(() => incoming().length === before + BODIES.length, 10_000, 'the messages in incoming');
  const got = incoming().filter((e) => names.includes(e.empaid!));
  assert.deepEqual(got.map((e) => e.body), BODIES);
  assert.deepEqual(got.map((e) => e.empaid), names, 'empa-id is the spool element name');
  for (const e of got) assert.equal(e.signer, site.pki.hosts.sender.dn);
});

test('encrypted to the receiver (server_cert, aes256): the same bytes arrive', async () => {
  const cfg = await site.senderWith(`server_cert: ${site.pki.hosts.receiver.cert}\ncipher: aes256\n`, 'enc');
  const names = pythonAdd(site.outgoing, ['encrypted record\n%%\n']);
  assert.equal((await send(cfg)).sent, 1);
  await waitFor(() => incoming().some((e) => e.empaid === names[0]), 10_000, 'the encrypted message');
  assert.equal(incoming().find((e) => e.empaid === names[0])!.body, 'encrypted record\n%%\n');
});

test('path_type directory: plain files sent oldest first, empa-id the file name, removed after their receipts', async () => {
  const dir = `${site.dir}/plain`;
  await mkdir(dir);
  await writeFile(`${dir}/first-file`, 'plain one\n');
  await utimes(`${dir}/first-file`, new Date(Date.now() - 5000), new Date(Date.now() - 5000));
  await writeFile(`${dir}/second-file`, 'plain two\n');
  const cfg = `${site.dir}/plain.cfg`;
  await writeFile(cfg, (await readFile(site.senderCfg, 'utf8')).replace(`path: ${site.outgoing}`, `path: ${dir}\npath_type: directory`));
  assert.equal((await send(cfg)).sent, 2);
  assert.deepEqual(await readdir(dir), []);
  await waitFor(() => incoming().filter((e) => e.empaid?.endsWith('-file')).length === 2, 10_000, 'the plain files');
  assert.deepEqual(incoming().filter((e) => e.empaid?.endsWith('-file')).map((e) => [e.empaid, e.body]), [['first-file', 'plain one\n'], ['second-file', 'plain two\n']]);
});

async function raw(body: Buffer, empaid: string): Promise<void> {
  const c = await StompClient.connect({ host: '127.0.0.1', port: 61613, login: 'guest', passcode: 'guest', vhost: site.vh.vhost });
  await c.send(site.destination, body, { 'empa-id': empaid }, empaid);
  await c.disconnect();
}

test('what openssl smime signs (and encrypts), as SSM sends it, is accepted', async () => {
  const h = site.pki.hosts.sender;
  const signed = openssl(['smime', '-sign', '-inkey', h.key, '-signer', h.cert, '-text'], 'from openssl\n');
  await raw(signed, 'openssl-signed');
  const enc = openssl(['smime', '-encrypt', '-aes128', site.pki.hosts.receiver.cert], signed);
  await raw(enc, 'openssl-encrypted');
  await waitFor(() => incoming().filter((e) => e.empaid?.startsWith('openssl-')).length === 2, 10_000, 'the openssl messages');
  for (const e of incoming().filter((x) => x.empaid?.startsWith('openssl-'))) {
    assert.equal(e.body, 'from openssl\n');
    assert.equal(e.signer, h.dn);
  }
});

test('what we send is what openssl smime -verify accepts (the wire bytes, as SSM would verify them)', async () => {
  const id = await loadIdentity(site.pki.hosts.sender.cert, site.pki.hosts.sender.key);
  const out = openssl(['smime', '-verify', '-CApath', site.pki.capath, '-purpose', 'any', '-text'], signMessage(Buffer.from('x\ny\n'), id.cert, id.key));
  assert.equal(out.toString(), 'x\r\ny\r\n');
});

test('a signer not in the dns file, a tampered body, a revoked signer and a stranger CA land in reject with the reason', async () => {
  const other = site.pki.hosts.other;
  await raw(openssl(['smime', '-sign', '-inkey', other.key, '-signer', other.cert, '-text'], 'not allowed\n'), 'wrong-dn');
  const h = site.pki.hosts.sender;
  const good = openssl(['smime', '-sign', '-inkey', h.key, '-signer', h.cert, '-text'], 'amount: 10\n').toString();
  await raw(Buffer.from(good.replace('amount: 10', 'amount: 99')), 'tampered');
  const rv = site.pki.hosts.revoked;
  await raw(openssl(['smime', '-sign', '-inkey', rv.key, '-signer', rv.cert, '-text'], 'revoked\n'), 'revoked');
  await raw(openssl(['smime', '-sign', '-inkey', site.pki.stranger.key, '-signer', site.pki.stranger.cert, '-text'], 'stranger\n'), 'stranger');
  await waitFor(() => rejected().length >= 4, 10_000, 'four rejects');
  const by = new Map(rejected().map((e) => [e.empaid, e]));
  assert.equal(by.get('wrong-dn')!.error, 'Signer not in valid DNs list.');
  assert.equal(by.get('wrong-dn')!.signer, other.dn);
  assert.match(by.get('tampered')!.error!, /^Could not extract message: content digest mismatch/);
  assert.equal(by.get('tampered')!.signer, 'Not available.');
  assert.equal(by.get('tampered')!.body, good.replace('amount: 10', 'amount: 99'), 'reject keeps the body as received');
  assert.match(by.get('revoked')!.error!, /CRL check failed.*revoked/i);
  assert.match(by.get('stranger')!.error!, /unable to get issuer/);
  assert.ok(!incoming().some((e) => ['wrong-dn', 'tampered', 'revoked', 'stranger'].includes(e.empaid!)));
});

test('a ping message is logged and dropped; a message sent twice is stored once', async () => {
  await raw(Buffer.alloc(0), 'ping');
  const h = site.pki.hosts.sender;
  const m = openssl(['smime', '-sign', '-inkey', h.key, '-signer', h.cert, '-text'], 'once\n');
  await raw(m, 'dup-1');
  await raw(m, 'dup-1');
  await raw(openssl(['smime', '-sign', '-inkey', h.key, '-signer', h.cert, '-text'], 'marker\n'), 'marker');
  await waitFor(() => incoming().some((e) => e.empaid === 'marker'), 10_000, 'the marker');
  assert.equal(incoming().filter((e) => e.empaid === 'dup-1').length, 1);
  assert.ok(!incoming().some((e) => e.empaid === 'ping') && !rejected().some((e) => e.empaid === 'ping'));
  const log = await readFile(`${site.dir}/ssmreceive.log`, 'utf8');
  assert.match(log, /Received ping message\./);
  assert.match(log, /Message dup-1 from .* already received: dropped/);
});
