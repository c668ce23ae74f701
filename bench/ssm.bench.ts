// SSM drop-in throughput: signed, and signed+encrypted, messages per second — the crypto alone, and sent and
// received end to end over RabbitMQ STOMP with python-dirq spools — beside the same work done with the
// openssl CLI per message, as SSM itself does (sign: 1 process; +encrypt: 2; receive: 4, +decrypt: 5).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { loadConfig } from '@sarra/ssm';
import { Queue, SSM_SCHEMA, createLog, decryptMessage, encryptMessage, loadIdentity, runSender, signMessage, TrustStore, verifyMessage, subjectDn } from '@sarra/ssm';
import { makeSite, pythonAdd, pythonRead, startReceiver, waitFor } from '../packages/ssm/test/setup.js';

const N = Number(process.env.BENCH_SSM ?? 2000);
const N_CLI = Number(process.env.BENCH_SSM_CLI ?? 100);
const RECORD = 'APEL-summary-job-message: v0.3\n' + Array.from({ length: 8 }, (_, i) =>
  `Site: RAL-LCG2\nMonth: 3\nYear: 2026\nGlobalUserName: /C=UK/O=eScience/CN=user${i}\nVO: atlas\nNumberOfJobs: ${100 + i}\nWallDuration: 123456\nCpuDuration: 120000\n%%\n`).join('');

const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
const time = (fn: () => void): number => { const t = performance.now(); fn(); return performance.now() - t; };
const ossl = (args: string[], input: Buffer | string) => execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });

const site = await makeSite();
try {
  const h = site.pki.hosts.sender;
  const r = site.pki.hosts.receiver;
  const snd = await loadIdentity(h.cert, h.key);
  const rcv = await loadIdentity(r.cert, r.key);
  const store = await TrustStore.load(site.pki.capath);
  const body = Buffer.from(RECORD);
  console.log(`message: ${body.length} bytes; ours: ${N} messages, openssl CLI: ${N_CLI} messages (RSA 2048, sha256, aes128)`);

  const signed = signMessage(body, snd.cert, snd.key);
  const sealed = encryptMessage(signed, rcv.cert);
  const rows: [string, number, number][] = [];
  rows.push(['sign', rate(N, time(() => { for (let i = 0; i < N; i++) signMessage(body, snd.cert, snd.key); })),
    rate(N_CLI, time(() => { for (let i = 0; i < N_CLI; i++) ossl(['smime', '-sign', '-inkey', h.key, '-signer', h.cert, '-text'], body); }))]);
  rows.push(['sign + encrypt', rate(N, time(() => { for (let i = 0; i < N; i++) encryptMessage(signMessage(body, snd.cert, snd.key), rcv.cert); })),
    rate(N_CLI, time(() => { for (let i = 0; i < N_CLI; i++) ossl(['smime', '-encrypt', '-aes128', r.cert], ossl(['smime', '-sign', '-inkey', h.key, '-signer', h.cert, '-text'], body)); }))]);
  const cliVerify = (m: Buffer) => { // SSM's crypto.verify: signer cert out, verify it, verify the message, its subject
    const certs = ossl(['pkcs7', '-print_certs'], ossl(['smime', '-pk7out'], m));
    ossl(['verify', '-CApath', site.pki.capath], certs);
    ossl(['smime', '-verify', '-CApath', site.pki.capath, '-noverify'], m);
    ossl(['x509', '-noout', '-subject', '-nameopt', 'compat'], certs);
  };
  const ourVerify = (m: Buffer) => { const v = verifyMessage(m); store.verifyChain(v.signer, v.certificates); subjectDn(v.signer); };
  rows.push(['verify', rate(N, time(() => { for (let i = 0; i < N; i++) ourVerify(signed); })), rate(N_CLI, time(() => { for (let i = 0; i < N_CLI; i++) cliVerify(signed); }))]);
  rows.push(['decrypt + verify', rate(N, time(() => { for (let i = 0; i < N; i++) ourVerify(decryptMessage(sealed, rcv.cert, rcv.key)); })),
    rate(N_CLI, time(() => { for (let i = 0; i < N_CLI; i++) cliVerify(ossl(['smime', '-decrypt', '-recip', r.cert, '-inkey', r.key], sealed)); }))]);
  console.log('crypto per message, messages/s (one core):');
  console.log(`  ${'step'.padEnd(18)} ${'sarra-ts'.padStart(9)} ${'openssl CLI'.padStart(12)}  ratio`);
  for (const [name, ours, cli] of rows) console.log(`  ${name.padEnd(18)} ${String(ours).padStart(9)} ${String(cli).padStart(12)}  ${(ours / cli).toFixed(1)}x`);

  const receiver = await startReceiver(site);
  try {
    for (const [label, cfgFile] of [['signed', site.senderCfg], ['signed+encrypted', await site.senderWith(`server_cert: ${r.cert}\n`, 'enc')]] as const) {
      const inq = await new Queue(`${site.spool}/incoming`, SSM_SCHEMA).init();
      const have = await inq.count();
      pythonAdd(site.outgoing, Array.from({ length: N }, (_, i) => `${RECORD}Seq: ${label} ${i}\n`));
      const cfg = await loadConfig(cfgFile, 'sender');
      const log = createLog('ssmsend', cfg.logging);
      const t0 = performance.now();
      await runSender(cfg, log);
      const tSend = performance.now() - t0;
      await log.close();
      await waitFor(async () => (await inq.count()) >= have + N, 300_000, 'all received');
      const tAll = performance.now() - t0;
      if (label === 'signed') assert.equal(pythonRead(site.spool, 'incoming').length, have + N, 'python-dirq reads them all');
      console.log(`end to end ${label}: ${N} messages sent in ${(tSend / 1000).toFixed(2)} s = ${rate(N, tSend)}/s (each removed on its receipt); ` +
        `all in incoming after ${(tAll / 1000).toFixed(2)} s = ${rate(N, tAll)}/s received and stored`);
    }
  } finally {
    await receiver.stop();
  }
  console.log('SSM itself (openssl per message, one receipt wait per message) is bounded by the openssl CLI column above.');
} finally {
  await site.cleanup();
}
