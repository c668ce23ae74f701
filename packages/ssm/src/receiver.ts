// ssmreceive: a daemon that takes messages from a STOMP destination, decrypts and verifies each, checks the
// signer against the dns allow-list, and stores it in the incoming (or reject) python-dirq Queue. It acks a
// message only once stored, and reconnects when the broker goes away (SSM exits; we do not).
import { writeFile, unlink } from 'node:fs/promises';
import { describeError } from '@sarra/common';
import { Queue, SSM_REJECT_SCHEMA, SSM_SCHEMA } from './dirq/queue.js';
import { decryptMessage, isEncrypted, verifyMessage } from './crypto/smime.js';
import { loadIdentity, subjectDn, TrustStore, type Identity } from '@sarra/common/pki';
import { loadDns } from '@sarra/common/pki';
import { connectorFor, connectWithRetry } from './broker.js';
import { SeenIds } from './seen.js';
import type { Frame } from './stomp/frame.js';
import type { SsmConfig } from './options.js';
import type { SsmLog } from './log.js';

/** How often the dns file is re-read and a ping sent. @default 600 s, as SSM */
const REFRESH_MS = 600_000;

/** The outcome of one message: stored in incoming, in reject (with SSM's error text), or dropped. */
export type Outcome = { kind: 'accept'; signer: string; body: Buffer } | { kind: 'reject'; signer?: string; error: string } | { kind: 'ping' } | { kind: 'duplicate'; signer: string };

/** What the receiver knows to judge a message. */
export interface Judge {
  id: Identity;
  store: TrustStore;
  checkCrls: boolean;
  dns: Set<string>;
  seen: SeenIds;
}

/** The one function that decides a message's fate (no I/O but the cached CRL check). */
export async function judge(j: Judge, empaid: string, body: Buffer): Promise<Outcome> {
  if (empaid === 'ping') return { kind: 'ping' };
  let signed: Buffer = body;
  let verified: ReturnType<typeof verifyMessage>;
  try {
    if (body.length === 0) throw new Error('empty message');
    if (isEncrypted(body)) signed = decryptMessage(body, j.id.cert, j.id.key);
    verified = verifyMessage(signed);
    j.store.verifyChain(verified.signer, verified.certificates);
    if (j.checkCrls) await j.store.checkCrls(verified.signer, verified.certificates);
  } catch (err: unknown) {
    return { kind: 'reject', error: `Could not extract message: ${describeError(err)}` };
  }
  const signer = subjectDn(verified.signer);
  if (!j.dns.has(signer)) return { kind: 'reject', signer, error: 'Signer not in valid DNs list.' };
  if (empaid !== 'noid' && j.seen.has(signer, empaid)) return { kind: 'duplicate', signer };
  return { kind: 'accept', signer, body: verified.body };
}

/** Runs the receiver until `signal` aborts; resolves after a clean stop. Start-up problems reject (ConfigError). */
export async function runReceiver(cfg: SsmConfig, dnFile: string, log: SsmLog, signal: AbortSignal): Promise<void> {
  for (const w of cfg.warnings) log.warning(w);
  const c = cfg.certificates;
  const id = await loadIdentity(c.certificate, c.key);
  const store = await TrustStore.load(c.capath);
  log.info(`Fetching valid DNs from ${dnFile}.`);
  const dnl = await loadDns(dnFile);
  for (const s of dnl.skipped) log.warning(`${dnFile}:${s.line}: DN in incorrect format: ${s.text}`);
  const path = cfg.messaging.path;
  const inq = await new Queue(`${path}/incoming`, SSM_SCHEMA).init();
  const rejq = await new Queue(`${path}/reject`, SSM_REJECT_SCHEMA).init();
  const j: Judge = { id, store, checkCrls: c.checkCrls, dns: dnl.dns, seen: await SeenIds.open(path) };
  if (cfg.pidfile) await writeFile(cfg.pidfile, `${process.pid}\n`);
  log.info(`The SSM will receive as ${id.dn}; ${store.size} CA certificate(s) in ${c.capath}; ${j.dns.size} DN(s) allowed.`);

  const handle = async (f: Frame): Promise<void> => {
    const empaid = f.headers['empa-id'] ?? 'noid';
    const o = await judge(j, empaid, f.body);
    if (o.kind === 'ping') { log.info('Received ping message.'); return; }
    log.info(`Received message. ID = ${empaid}`);
    if (o.kind === 'duplicate') { log.warning(`Message ${empaid} from ${o.signer} already received: dropped`); return; }
    if (o.kind === 'reject') {
      log.warning(`Message rejected: ${o.error}`);
      const name = await rejq.add({ body: f.body, signer: o.signer ?? 'Not available.', empaid, error: o.error });
      log.info(`Message saved to reject queue as ${name}`);
      return;
    }
    log.info(`Valid signer: ${o.signer}`);
    const name = await inq.add({ body: o.body, signer: o.signer, empaid });
    if (empaid !== 'noid') await j.seen.add(o.signer, empaid);
    log.info(`Message saved to incoming queue as ${name}`);
  };

  const stomp = await connectorFor(cfg);
  const refresh = setInterval(() => { // as SSM: the DN list every 10 minutes; also the CAs (fetch-crl, new CAs)
    loadDns(dnFile).then((d) => { j.dns = d.dns; log.info(`Refreshed valid DNs: ${d.dns.size}.`); },
      (err: unknown) => log.warning(`keeping the previous DN list: ${describeError(err)}`));
    TrustStore.load(c.capath).then((s) => { j.store = s; }, (err: unknown) => log.warning(`keeping the previous CA certificates: ${describeError(err)}`));
  }, REFRESH_MS);
  try {
    while (!signal.aborted) {
      let conn;
      try {
        conn = await connectWithRetry(stomp, log, Infinity, signal);
      } catch (err: unknown) {
        if (signal.aborted) break;
        throw err;
      }
      const closed = new Promise<void>((r) => conn.once('close', (err?: Error) => { if (err && !signal.aborted) log.warning(`Connection lost: ${describeError(err)}`); r(); }));
      let chain = Promise.resolve();
      const onMessage = (f: Frame): void => {
        chain = chain.then(() => handle(f)).then(() => { if (conn.isOpen) conn.ack(f); }, (err: unknown) => {
          log.error(`Failed to store message ${f.headers['empa-id'] ?? 'noid'}: ${describeError(err)}; reconnecting so it is delivered again`);
          void conn.disconnect();
        });
      };
      const ping = setInterval(() => { conn.ping().catch(() => {}); }, REFRESH_MS);
      try {
        await conn.subscribe(cfg.messaging.destination, onMessage, 'client-individual', 100);
        log.info(`Subscribing to: ${cfg.messaging.destination}`);
        const stop = new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
        await Promise.race([closed, stop]);
      } catch (err: unknown) {
        log.warning(`subscribe failed: ${describeError(err)}`);
      } finally {
        clearInterval(ping);
        await chain; // finish (and ack) what is in hand before leaving
        await conn.disconnect();
      }
      if (!signal.aborted) await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    clearInterval(refresh);
    if (cfg.pidfile) await unlink(cfg.pidfile).catch(() => {});
    log.info('Receiving SSM has shut down.');
  }
}
