// ssmsend: sign (and encrypt) every element of the outgoing spool, send it over STOMP with `empa-id` and a
// receipt named after it, remove it only once the broker's receipt is in, then exit (as SSM does).
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ConfigError, ConnectionLostError, describeError } from '@sarra/common';
import { QueueSimple } from './dirq/simple.js';
import { MessageDirectory, type OutgoingSpool } from './dirq/directory.js';
import { encryptMessage, signMessage } from './crypto/smime.js';
import { loadIdentity, subjectDn, TrustStore } from '@sarra/common/pki';
import { connectorFor, connectWithRetry } from './broker.js';
import { releaseGuard, takeGuard } from './guard.js';
import type { Transport } from './transport.js';
import type { SsmConfig } from './options.js';
import type { SsmLog } from './log.js';

/** Tuning of one run. */
export interface SendOptions {
  /** Messages sent before waiting for their receipts (SSM: 1). @default 32 */
  window?: number;
  /** Connection attempts (first connect and after each loss) before giving up. @default 6 */
  attempts?: number;
  signal?: AbortSignal;
}

/** What one run did. */
export interface SendResult { sent: number; skipped: number }

/** Builds what goes on the wire for one spool element. */
type Seal = (body: Buffer) => Buffer;

async function prepare(cfg: SsmConfig, log: SsmLog): Promise<Seal> {
  const c = cfg.certificates;
  const id = await loadIdentity(c.certificate, c.key);
  log.info(`Messages will be signed using ${id.dn}`);
  if (!c.serverCert) {
    log.info('No server certificate supplied.  Will not encrypt messages.');
    return (b) => signMessage(b, id.cert, id.key);
  }
  if (c.serverCert === c.certificate) throw new ConfigError('server certificate is the same as host certificate: do you really mean to encrypt messages with it?', { file: cfg.file });
  let server: X509Certificate;
  try { server = new X509Certificate(await readFile(c.serverCert)); } catch (err: unknown) {
    throw new ConfigError(`server_cert ${c.serverCert}: ${describeError(err)}`, { file: cfg.file, cause: err });
  }
  if (c.verifyServerCert) {
    const store = await TrustStore.load(c.capath);
    try {
      store.verifyChain(server);
      if (c.checkCrls) await store.checkCrls(server);
    } catch (err: unknown) {
      throw new ConfigError(`Failed to verify server certificate ${c.serverCert} against CA path ${c.capath}: ${describeError(err)}`, { file: cfg.file, cause: err });
    }
  }
  log.info(`Messages will be encrypted (${c.cipher}) using ${subjectDn(server)}`);
  return (b) => encryptMessage(signMessage(b, id.cert, id.key), server, c.cipher);
}

/** The outgoing spool of a configuration: python-dirq QueueSimple or a plain directory. */
export async function outgoingSpool(cfg: SsmConfig): Promise<OutgoingSpool> {
  const p = cfg.messaging.path;
  return cfg.messaging.pathType === 'directory' ? new MessageDirectory(p) : new QueueSimple(p).init();
}

/** Sends the names in `batch` (locked by us) over `conn`, pipelined; removes each on its receipt. */
async function sendBatch(conn: Transport, cfg: SsmConfig, spool: OutgoingSpool, seal: Seal, batch: string[], log: SsmLog): Promise<number> {
  const wires: Buffer[] = [];
  try {
    for (const name of batch) { // read and seal in spool order, so the wire keeps that order
      const body = await spool.get(name);
      wires.push(body.length ? seal(body) : Buffer.alloc(0));
    }
  } catch (err: unknown) {
    for (const name of batch) await spool.unlock(name).catch(() => {});
    throw err;
  }
  const pending = batch.map(async (name, i) => {
    log.info(`Sending message: ${name}`);
    await conn.send(cfg.messaging.destination, wires[i]!, { 'empa-id': name, persistent: 'true' }, name);
    log.info(`Broker received message: ${name}`);
    await spool.remove(name);
  });
  const results = await Promise.allSettled(pending);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    for (const [i, r] of results.entries()) if (r.status === 'rejected') await spool.unlock(batch[i]!).catch(() => {});
    throw failed.reason;
  }
  return batch.length;
}

/**
 * One ssmsend run. Elements are locked as python-dirq locks them; a lock left by a crashed run of ours
 * (the guard file names its pid) is released and its element sent again — the receiver drops the copy
 * by `empa-id`. A lost connection mid-run reconnects and goes on with what has no receipt yet.
 */
export async function runSender(cfg: SsmConfig, log: SsmLog, opts: SendOptions = {}): Promise<SendResult> {
  for (const w of cfg.warnings) log.warning(w);
  const seal = await prepare(cfg, log);
  const spool = await outgoingSpool(cfg);
  const crashed = await takeGuard(cfg.messaging.path);
  try {
    if (crashed !== undefined && spool instanceof QueueSimple) {
      let n = 0;
      for (const name of await spool.names()) if (await spool.unlock(name)) n++;
      const debris = await spool.dropOrphanLocks();
      log.warning(`a previous ssmsend (pid ${crashed}) did not finish: released ${n} locked message(s) to send again` +
        (debris ? `, removed ${debris} lock(s) of messages it had already sent` : ''));
    }
    const names = await spool.names();
    if (names.length === 0) {
      log.info('No messages found to send.');
      return { sent: 0, skipped: 0 };
    }
    log.info(`Found ${names.length} messages.`);
    const window = opts.window ?? 32;
    const attempts = opts.attempts ?? 6;
    const stomp = await connectorFor(cfg);
    let conn = await connectWithRetry(stomp, log, attempts, opts.signal);
    let sent = 0;
    let skipped = 0;
    let losses = 0;
    try {
      let i = 0;
      while (i < names.length) {
        if (opts.signal?.aborted) break;
        const batch: string[] = [];
        for (; i < names.length && batch.length < window; i++) {
          if (await spool.lock(names[i]!)) batch.push(names[i]!);
          else { skipped++; log.warning(`Message was locked. ${names[i]} will not be sent.`); }
        }
        for (let todo = batch; todo.length;) {
          try {
            sent += await sendBatch(conn, cfg, spool, seal, todo, log);
            break;
          } catch (err: unknown) {
            if (!(err instanceof ConnectionLostError) || ++losses >= attempts) throw err;
            log.warning(`Connection lost while sending (${describeError(err)}); reconnecting`);
            conn = await connectWithRetry(stomp, log, attempts, opts.signal);
            // what got its receipt is gone from the spool; the rest was unlocked by sendBatch: take it again
            const present = new Set(await spool.names());
            const again: string[] = [];
            for (const name of todo) if (present.has(name) && (await spool.lock(name))) again.push(name);
            todo = again;
          }
        }
      }
    } finally {
      await conn.disconnect();
    }
    log.info('Tidying message directory.');
    await spool.purge().catch((err: unknown) => log.warning(`purge: ${describeError(err)}`));
    log.info(`SSM run has finished: ${sent} sent${skipped ? `, ${skipped} skipped (locked)` : ''}.`);
    return { sent, skipped };
  } finally {
    await releaseGuard(cfg.messaging.path);
  }
}
