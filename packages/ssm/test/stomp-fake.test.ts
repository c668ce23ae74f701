// STOMP faults and TLS against a fake broker on an ephemeral loopback port: use_ssl with the host certificate
// as client credentials and capath as trust, a broker whose heart-beats stop, a broker that wants a client cert.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as tcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as tlsServer, type TLSSocket } from 'node:tls';
import { readFile } from 'node:fs/promises';
import { ConnectionLostError } from '@sarra/common';
import { StompClient } from '../src/stomp/client.js';
import { encodeFrame, FrameDecoder } from '../src/stomp/frame.js';
import { stompOptions } from '../src/broker.js';
import { resolveConfig } from '../src/options.js';
import { makePki, type Pki } from '@sarra/testkit/pki';

let pki: Pki;
before(async () => { pki = await makePki(); });
after(async () => { await pki?.cleanup(); });

/** Answers CONNECT with CONNECTED (heart-beat `hb`) and every frame asking for a receipt with its RECEIPT. */
function serve(sock: Socket, hb = '0,0', seen: string[] = []): void {
  const d = new FrameDecoder();
  sock.on('error', () => {});
  sock.on('data', (c: Buffer) => {
    for (const f of d.push(c)) {
      seen.push(f.command);
      if (f.command === 'CONNECT') sock.write(encodeFrame({ command: 'CONNECTED', headers: { version: '1.2', 'heart-beat': hb, server: 'fake/1' }, body: Buffer.alloc(0) }));
      else if (f.headers.receipt) sock.write(encodeFrame({ command: 'RECEIPT', headers: { 'receipt-id': f.headers.receipt }, body: Buffer.alloc(0) }));
    }
  });
}

const listen = (s: Server) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));

function cfgFor(port: number): string {
  const h = pki.hosts.sender;
  return `[sender]\n[broker]\nhost: 127.0.0.1\nport: ${port}\nuse_ssl: true\n[certificates]\ncertificate: ${h.cert}\nkey: ${h.key}\ncapath: ${pki.capath}\n` +
    `[messaging]\ndestination: /queue/x\npath: /tmp/x\n`;
}

test('use_ssl: TLS with the host certificate as client credentials, the broker checked against capath', async () => {
  const peers: string[] = [];
  const seen: string[] = [];
  const srv = tlsServer({ cert: await readFile(pki.broker.cert), key: await readFile(pki.broker.key), ca: [await readFile(pki.ca.cert)], requestCert: true, rejectUnauthorized: true },
    (s: TLSSocket) => { peers.push(String(s.getPeerCertificate().subject?.CN)); serve(s, '0,0', seen); });
  const port = await listen(srv);
  try {
    const c = await StompClient.connect(await stompOptions(resolveConfig(cfgFor(port), 's.cfg', 'sender')));
    await c.send('/queue/x', Buffer.from('over TLS'), { 'empa-id': 'a/b' }, 'a/b');
    await c.disconnect();
    assert.deepEqual(peers, ['sender.example.org']);
    assert.deepEqual(seen, ['CONNECT', 'SEND', 'DISCONNECT']);
  } finally { srv.close(); }
});

test('use_ssl: a broker certificate from a CA outside capath is refused', async () => {
  const srv = tlsServer({ cert: await readFile(pki.stranger.cert), key: await readFile(pki.stranger.key) }, (s) => serve(s));
  const port = await listen(srv);
  try {
    await assert.rejects(StompClient.connect(await stompOptions(resolveConfig(cfgFor(port), 's.cfg', 'sender'))), ConnectionLostError);
  } finally { srv.close(); }
});

test('a broker whose heart-beats stop: the connection is closed as lost within twice the period', async () => {
  const srv = tcpServer((s) => serve(s, '150,150'));
  const port = await listen(srv);
  try {
    const c = await StompClient.connect({ host: '127.0.0.1', port, heartBeat: [150, 150] });
    const t0 = Date.now();
    const err = await new Promise<unknown>((r) => c.once('close', r));
    assert.ok(err instanceof ConnectionLostError && /heart-beat/.test(err.message), String(err));
    assert.ok(Date.now() - t0 < 1500);
  } finally { srv.close(); }
});

test('a broker that never answers CONNECT: connect times out', async () => {
  const srv = tcpServer((s) => { s.on('error', () => {}); });
  const port = await listen(srv);
  try {
    await assert.rejects(StompClient.connect({ host: '127.0.0.1', port, connectTimeout: 300 }), /timed out/);
  } finally { srv.close(); }
});
