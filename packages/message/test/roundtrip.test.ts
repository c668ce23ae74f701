// Property: 10,000 random notices round-trip through v03 and through v02 to an equal notice.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decode, encode, topicFor } from '@sarra/message';
import { notice } from './arbitraries.js';

const RUNS = 10_000;

describe('round trips (fast-check)', () => {
  it(`v03: decode(encode(n)) equals n, and re-encoding gives the same bytes (${RUNS} notices)`, () => {
    fc.assert(
      fc.property(notice, (n) => {
        const w = encode(n, 'v03');
        assert.ok(w.body.every((b) => b < 0x80), 'ensure_ascii: body is pure ASCII');
        const d = decode(w);
        assert.equal(d.format, 'v03');
        assert.deepStrictEqual(d.notice, n);
        assert.deepStrictEqual(Object.keys(d.notice), Object.keys(n), 'key order kept');
        assert.ok(encode(d.notice, 'v03').body.equals(w.body));
        assert.equal(w.routingKey, topicFor('v03', n.relPath));
      }),
      { numRuns: RUNS },
    );
  });
  it(`v02: decode(encode(n)) equals n (${RUNS} notices)`, () => {
    fc.assert(
      fc.property(notice, (n) => {
        const w = encode(n, 'v02');
        const d = decode(w);
        assert.equal(d.format, 'v02');
        assert.deepStrictEqual(d.notice, n);
        const again = encode(d.notice, 'v02');
        assert.ok(again.body.equals(w.body));
        assert.deepStrictEqual(again.headers, w.headers);
        assert.equal(w.routingKey, topicFor('v02.post', n.relPath));
      }),
      { numRuns: RUNS },
    );
  });
  it('v02 -> v03 -> v02 keeps the same body and headers', () => {
    fc.assert(
      fc.property(notice, (n) => {
        const w2 = encode(n, 'v02');
        const via3 = decode(encode(decode(w2).notice, 'v03')).notice;
        const back = encode(via3, 'v02');
        assert.ok(back.body.equals(w2.body));
        assert.deepStrictEqual(back.headers, w2.headers);
      }),
      { numRuns: 2000 },
    );
  });
});
