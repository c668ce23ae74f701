// Test helper: amqps in front of the real RabbitMQ (which listens on plain amqp only here): a TLS server on a free
// loopback port, with a fresh self-signed certificate, piping every connection to the broker's AMQP port.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { RABBIT } from './rabbit.js';

export interface TlsFront {
  port: number;
  /** The self-signed certificate (PEM) the front presents, for 127.0.0.1 and localhost. */
  certFile: string;
  /** amqps://guest:guest@127.0.0.1:<port>/<vhost> */
  url(vhost: string): string;
  /** TLS handshakes completed so far. */
  readonly handshakes: number;
  close(): Promise<void>;
}

/** Starts the TLS front. @throws when openssl is missing. */
export async function startTlsFront(): Promise<TlsFront> {
  const dir = await mkdtemp(join(tmpdir(), 'sarra-tlsfront-'));
  const key = join(dir, 'key.pem'), cert = join(dir, 'cert.pem');
  await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert]);
  let handshakes = 0;
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ key: await readFile(key), cert: await readFile(cert) }, (client) => {
    handshakes++;
    const upstream = net.connect(RABBIT.port, RABBIT.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    client.pipe(upstream).pipe(client);
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    certFile: cert,
    url: (vhost) => `amqps://${RABBIT.user}:${RABBIT.password}@127.0.0.1:${port}/${encodeURIComponent(vhost)}`,
    get handshakes() { return handshakes; },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
