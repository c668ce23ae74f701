// Timestamps as real sr3 writes them (9, 11 and 12 fraction digits, with and without T) decode and re-encode
// byte for byte in v03 and v02; converting between the formats only inserts or drops the T (COMPAT "Timestamps").

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decode, encode, type WireMessage } from '@sarra/message';

/** A date-time and fractions of 9, 11 and 12 digits (the 11 and 12 seen from sr3 3.00, COMPAT section 10). */
const STAMPS: Record<string, { pubTime: string; mtime: string; atime: string }> = {
  9: { pubTime: '20261122T020709.743590832', mtime: '20261122T014745.927582502', atime: '20261122T014825.066069841' },
  11: { pubTime: '20261203T074649.00693535805', mtime: '20261203T074648.01234567891', atime: '20261203T074648.09876543219' },
  12: { pubTime: '20261203T074937.000411987305', mtime: '20261203T074936.000123456789', atime: '20261203T074936.000987654321' },
};
const SHA = 'lZ7EvN5EoVLA6pjjbK0tnlw+kkw5C9OQR3be2AkrY/OlQbn7dsutS4byKgxRfF7YsjRcaK4rRViIUjy7Lv7/cA==';
const SHA_HEX = Buffer.from(SHA, 'base64').toString('hex');

const noT = (ts: string): string => ts.slice(0, 8) + ts.slice(9);

function v03Body(t: { pubTime: string; mtime: string; atime: string }): string {
  return `{"pubTime": "${t.pubTime}", "relPath": "wire/f_wire.dat", "baseUrl": "http://127.0.0.1:8090/", "source": "bench", ` +
    `"mode": "644", "size": 4096, "mtime": "${t.mtime}", "atime": "${t.atime}", "identity": {"method": "sha512", "value": "${SHA}"}}`;
}
function v03(body: string): WireMessage {
  return { routingKey: 'v03.wire', body: Buffer.from(body), contentType: 'application/json' };
}
function v02(t: { pubTime: string; mtime: string; atime: string }): WireMessage {
  return {
    routingKey: 'v02.post.wire',
    body: Buffer.from(`${noT(t.pubTime)} http://127.0.0.1:8090/ wire/f_wire.dat`),
    contentType: 'text/plain',
    contentEncoding: 'utf-8',
    headers: { atime: noT(t.atime), mode: '644', mtime: noT(t.mtime), parts: '1,4096,1,0,0', source: 'bench', sum: `s,${SHA_HEX}` },
  };
}

for (const [digits, t] of Object.entries(STAMPS)) {
  describe(`${digits} fraction digits`, () => {
    it('v03 (with T) -> v03: the same bytes', () => {
      const body = v03Body(t);
      const d = decode(v03(body));
      assert.equal(d.notice.pubTime, t.pubTime);
      assert.equal(d.notice.mtime, t.mtime);
      assert.equal(d.notice.atime, t.atime);
      assert.equal(encode(d.notice, 'v03').body.toString('latin1'), body);
    });
    it('v03 body with v02-form times (no T) -> v03: the same bytes', () => {
      const body = v03Body({ pubTime: noT(t.pubTime), mtime: noT(t.mtime), atime: noT(t.atime) });
      assert.equal(encode(decode(v03(body)).notice, 'v03').body.toString('latin1'), body);
    });
    it('v02 (no T) -> v02: the same body and headers', () => {
      const w = v02(t);
      const d = decode(w);
      assert.equal(d.format, 'v02');
      const again = encode(d.notice, 'v02');
      assert.equal(again.body.toString(), w.body.toString());
      assert.deepEqual(again.headers, w.headers);
    });
    it('v02 -> v03 inserts the T and keeps every fraction digit (sr3 timev2tov3str)', () => {
      const d = decode(v02(t));
      assert.deepEqual([d.notice.pubTime, d.notice.mtime, d.notice.atime], [t.pubTime, t.mtime, t.atime]);
      const n = JSON.parse(encode(d.notice, 'v03').body.toString()) as Record<string, unknown>;
      assert.deepEqual([n.pubTime, n.mtime, n.atime], [t.pubTime, t.mtime, t.atime]);
    });
    it('v03 -> v02 drops the T and keeps every fraction digit (sr3 v2wrapper)', () => {
      const w = encode(decode(v03(v03Body(t))).notice, 'v02');
      assert.deepEqual(w, { ...v02(t), routingKey: 'v02.post.wire' });
    });
    it('a v02 time written with a T (not sr3, but sr3 reads it) is accepted and re-announced in the v02 form', () => {
      const w = v02(t);
      const withT = { ...w, body: Buffer.from(`${t.pubTime} http://127.0.0.1:8090/ wire/f_wire.dat`), headers: { ...w.headers, mtime: t.mtime } };
      const again = encode(decode(withT).notice, 'v02');
      assert.equal(again.body.toString(), w.body.toString());
      assert.deepEqual(again.headers, w.headers);
    });
  });
}
