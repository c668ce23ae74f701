// From SSM's [broker] and [certificates] to a connection (STOMP, or AMQP with `protocol: AMQP`), and the
// connect-with-back-off loop both ends use.
import { readdir, readFile } from 'node:fs/promises';
import { describeError } from '@sarra/common';
import { StompClient, type StompOptions } from './stomp/client.js';
import { AmqpClient } from './amqp.js';
import { pemCertificates } from '@sarra/common/pki';
import type { SsmConfig } from './options.js';
import type { SsmLog } from './log.js';
import type { Transport } from './transport.js';

/** STOMP options for a configuration: TLS with the host certificate as client credentials when use_ssl. */
export async function stompOptions(cfg: SsmConfig): Promise<StompOptions> {
  const b = cfg.broker;
  const o: StompOptions = { host: b.host, port: b.port, vhost: b.vhost, login: b.username, passcode: b.password, heartBeat: [10_000, 10_000] };
  if (b.useSsl) {
    const ca: Buffer[] = [];
    for (const n of await readdir(cfg.certificates.capath).catch(() => [] as string[])) {
      const text = await readFile(`${cfg.certificates.capath}/${n}`).catch(() => Buffer.alloc(0));
      if (pemCertificates(text).length) ca.push(text);
    }
    o.tls = { cert: await readFile(cfg.certificates.certificate), key: await readFile(cfg.certificates.key), ca, rejectUnauthorized: true };
  }
  return o;
}

/** A connector for the configuration's protocol, and how to name it in logs. */
export interface Connector { label: string; connect(): Promise<Transport> }

/** The connector of `cfg`: STOMP (SSM's wire) or AMQP. */
export async function connectorFor(cfg: SsmConfig): Promise<Connector> {
  const o = await stompOptions(cfg);
  if (cfg.protocol === 'AMQP') {
    return { label: `${o.tls ? 'amqps' : 'amqp'}://${o.host}:${o.port}`, connect: () => AmqpClient.connect({ ...o, tls: o.tls }) };
  }
  return { label: `${o.tls ? 'stomp+ssl' : 'stomp'}://${o.host}:${o.port}`, connect: () => StompClient.connect(o) };
}

/**
 * Connects, retrying with exponential back-off (1 s doubling to `maxDelayMs`) up to `attempts` times
 * (Infinity: until `signal` aborts). A broker ERROR on connect (bad login, vhost) is retried too: brokers
 * restart with their users missing for a moment.
 */
export async function connectWithRetry(c: Connector, log: SsmLog, attempts: number, signal?: AbortSignal, maxDelayMs = 60_000): Promise<Transport> {
  let delay = 1000;
  for (let i = 1; ; i++) {
    try {
      const t = await c.connect();
      log.info(`Connected to ${c.label} (${t.server.server ?? 'broker'}).`);
      return t;
    } catch (err: unknown) {
      if (i >= attempts || signal?.aborted) throw err;
      log.warning(`Failed to connect to ${c.label}: ${describeError(err)}; retrying in ${delay / 1000} s`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, delay);
        signal?.addEventListener('abort', () => { clearTimeout(t); r(); }, { once: true });
      });
      delay = Math.min(delay * 2, maxDelayMs);
    }
  }
}
