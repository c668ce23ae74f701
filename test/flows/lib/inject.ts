// Flow-test helper: an upstream the test controls (a hostile or broken neighbour pump): publishes hand-made
// notifications, valid or not, straight onto an exchange of the pump under test.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import amqp from 'amqplib';
import { encode, identityOfFile, nowTimestamp, type Notice } from '@sarra/message';

/** A raw message (any bytes) or a Notice to encode as v03. */
export type Outgoing = Notice | { raw: Buffer; routingKey: string; contentType?: string; headers?: Record<string, unknown> };

/** Publishes `msgs` in order on `exchange` with publisher confirms. */
export async function publishAll(url: string, exchange: string, msgs: Outgoing[]): Promise<void> {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createConfirmChannel();
    for (const m of msgs) {
      if ('raw' in m && Buffer.isBuffer(m.raw)) {
        const r = m as { raw: Buffer; routingKey: string; contentType?: string; headers?: Record<string, unknown> };
        ch.publish(exchange, r.routingKey, r.raw, { persistent: true, contentType: r.contentType, headers: r.headers });
      } else {
        const w = encode(m as Notice, 'v03', { topicPrefix: 'v03' });
        ch.publish(exchange, w.routingKey, w.body, { persistent: true, contentType: w.contentType, headers: w.headers });
      }
    }
    await ch.waitForConfirms();
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/** A v03 notice for `root/rel` as served at `baseUrl` (sha512 identity, size, mtime). */
export async function noticeOf(root: string, rel: string, baseUrl: string): Promise<Notice> {
  const file = join(root, rel);
  const st = await stat(file);
  return { pubTime: nowTimestamp(), baseUrl, relPath: rel, identity: await identityOfFile(file, 'sha512'), size: st.size };
}

/** The eight malformed classes of ACCEPTANCE check 13, each with a name. */
export const MALFORMED: { name: string; msg: Outgoing }[] = [
  { name: 'non-JSON v03', msg: { raw: Buffer.from('{not json'), routingKey: 'v03.bad', contentType: 'application/json' } },
  { name: 'missing pubTime', msg: { raw: Buffer.from('{"baseUrl": "http://127.0.0.1:1/", "relPath": "a/b"}'), routingKey: 'v03.bad', contentType: 'application/json' } },
  { name: 'bad time', msg: { raw: Buffer.from('{"pubTime": "yesterday", "baseUrl": "http://127.0.0.1:1/", "relPath": "a/b"}'), routingKey: 'v03.bad', contentType: 'application/json' } },
  { name: 'unknown checksum method', msg: { raw: Buffer.from('{"pubTime": "20240101T000000", "baseUrl": "http://127.0.0.1:1/", "relPath": "a/b", "identity": {"method": "crc99", "value": "x"}}'), routingKey: 'v03.bad', contentType: 'application/json' } },
  { name: 'wrong types', msg: { raw: Buffer.from('{"pubTime": 12, "baseUrl": ["x"], "relPath": {"a": 1}}'), routingKey: 'v03.bad', contentType: 'application/json' } },
  { name: 'short v02 body', msg: { raw: Buffer.from('20240101000000 http://127.0.0.1:1/'), routingKey: 'v02.post.bad', contentType: 'text/plain', headers: { sum: 'd,abc' } } },
  { name: 'oversized body', msg: { raw: Buffer.concat([Buffer.from('{"pubTime": "20240101T000000", "baseUrl": "http://127.0.0.1:1/", "relPath": "a/b", "pad": "'), Buffer.alloc(2 << 20, 97), Buffer.from('"}')]), routingKey: 'v03.bad', contentType: 'application/json' } },
  { name: 'binary garbage', msg: { raw: Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x7b, 0x80, 0x81, 0x00]), routingKey: 'v03.bad' } },
];
