// decode() never throws anything but MalformedMessageError, whatever bytes, headers or JSON it gets.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MalformedMessageError } from '@sarra/common';
import { decode, encode } from '@sarra/message';
import type { WireMessage } from '@sarra/message';
import { notice } from './arbitraries.js';

function onlyMalformed(msg: WireMessage): void {
  try {
    decode(msg);
  } catch (e: unknown) {
    assert.ok(e instanceof MalformedMessageError, `threw ${String(e)}`);
    assert.ok(e.message.length > 5, 'has a reason');
    // the catch-all in decode() turns internal bugs into "undecodable": none may be reached
    assert.ok(!e.message.startsWith('undecodable message'), e.message);
  }
}

const contentType = fc.constantFrom(undefined, 'application/json', 'text/plain', 'application/octet-stream');
const routingKey = fc.constantFrom('v03', 'v02.post', 'v03.a.b', 'x');

describe('decode fuzz', () => {
  it('random bytes and headers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), contentType, routingKey, fc.dictionary(fc.string(), fc.anything()), (b, ct, rk, headers) => {
        onlyMalformed({ routingKey: rk, body: Buffer.from(b), contentType: ct, headers });
      }),
      { numRuns: 3000 },
    );
  });
  it('any JSON value as a v03 body, and valid notices with one field replaced by any JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        onlyMalformed({ routingKey: 'v03', body: Buffer.from(JSON.stringify(v) ?? 'null'), contentType: 'application/json' });
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(notice, fc.nat(), fc.jsonValue(), (n, i, v) => {
        const keys = Object.keys(n);
        const o: Record<string, unknown> = { ...n, [keys[i % keys.length]!]: v };
        onlyMalformed({ routingKey: 'v03', body: Buffer.from(JSON.stringify(o)), contentType: 'application/json' });
      }),
      { numRuns: 3000 },
    );
  });
  it('valid v02 messages with one header replaced by anything', () => {
    fc.assert(
      fc.property(notice, fc.constantFrom('sum', 'parts', 'mtime', 'atime', 'link', 'oldname', 'content', 'hlink'), fc.anything(), (n, k, v) => {
        const w = encode(n, 'v02');
        onlyMalformed({ ...w, headers: { ...w.headers, [k]: v } });
      }),
      { numRuns: 3000 },
    );
  });
  it('truncated valid messages', () => {
    fc.assert(
      fc.property(notice, fc.constantFrom('v02' as const, 'v03' as const), fc.nat(), (n, f, cut) => {
        const w = encode(n, f);
        onlyMalformed({ ...w, body: w.body.subarray(0, cut % (w.body.length + 1)) });
      }),
      { numRuns: 3000 },
    );
  });
});
