// Every class of malformed message gives MalformedMessageError with a reason, never another error.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MalformedMessageError } from '@sarra/common';
import { MalformedNoticeError, decode } from '@sarra/message';
import type { WireMessage } from '@sarra/message';

const GOOD = { pubTime: '20261122T020710.61337781', baseUrl: 'http://127.0.0.1:8090/', relPath: 'wire/f' };

function j(o: unknown): WireMessage {
  return { routingKey: 'v03.wire', body: Buffer.from(JSON.stringify(o)), contentType: 'application/json' };
}
function raw(body: string | Buffer, contentType?: string, headers?: Record<string, unknown>): WireMessage {
  return { routingKey: 'v03', body: Buffer.isBuffer(body) ? body : Buffer.from(body), contentType, headers };
}
function v02(body: string, headers: Record<string, unknown> = {}): WireMessage {
  return { routingKey: 'v02.post', body: Buffer.from(body), contentType: 'text/plain', headers };
}

function rejects(msg: WireMessage, reason: RegExp, opts?: { maxBytes?: number }): void {
  assert.throws(() => decode(msg, opts), (e: unknown) => {
    assert.ok(e instanceof MalformedMessageError, `expected MalformedMessageError, got ${String(e)}`);
    assert.equal(e.reportCode, 417);
    assert.match(e.message, reason);
    return true;
  });
}

describe('malformed v03', () => {
  it('non-JSON', () => rejects(raw('{"pubTime": ', 'application/json'), /not JSON/));
  it('JSON that is not an object', () => {
    rejects(raw('[1,2]', 'application/json'), /not an object \(array\)/);
    rejects(raw('"str"', 'application/json'), /not an object \(string\)/);
    rejects(raw('null', 'application/json'), /not an object \(null\)/);
    rejects(raw('42', 'application/json'), /not an object/);
  });
  for (const f of ['pubTime', 'baseUrl', 'relPath'] as const) {
    it(`missing / empty / wrong-typed ${f}`, () => {
      const { [f]: _drop, ...rest } = GOOD;
      rejects(j(rest), new RegExp(`missing ${f}`));
      rejects(j({ ...GOOD, [f]: '' }), new RegExp(`${f} is empty`));
      rejects(j({ ...GOOD, [f]: 12 }), new RegExp(`${f} is not a string \\(number\\)`));
      rejects(j({ ...GOOD, [f]: null }), new RegExp(`${f} is not a string \\(null\\)`));
    });
  }
  it('bad times', () => {
    rejects(j({ ...GOOD, pubTime: 'yesterday' }), /pubTime: bad timestamp/);
    rejects(j({ ...GOOD, pubTime: '20261322T020710.1' }), /pubTime: bad timestamp/);
    rejects(j({ ...GOOD, pubTime: '20260230T020710.1' }), /no such date/);
    rejects(j({ ...GOOD, pubTime: '20261122T020710.123456789012x' }), /pubTime: bad timestamp .*bad fraction/);
    rejects(j({ ...GOOD, mtime: '2026-11-22T02:07:10Z' }), /mtime: bad timestamp/);
    rejects(j({ ...GOOD, atime: 20261122 }), /atime is not a string/);
  });
  it('unknown identity method, identity not {method,value}', () => {
    rejects(j({ ...GOOD, identity: { method: 'sha256', value: 'x' } }), /unknown identity method "sha256"/);
    rejects(j({ ...GOOD, identity: 'sha512' }), /identity is not \{method, value\}/);
    rejects(j({ ...GOOD, identity: { method: 'md5' } }), /identity is not/);
    rejects(j({ ...GOOD, integrity: { method: 'crc32', value: 'x' } }), /unknown identity method/);
  });
  it('wrong types', () => {
    rejects(j({ ...GOOD, size: -1 }), /size is not a non-negative integer/);
    rejects(j({ ...GOOD, size: 1.5 }), /size is not a non-negative integer/);
    rejects(j({ ...GOOD, size: '4096' }), /size is not a non-negative integer/);
    rejects(j({ ...GOOD, fileOp: 'remove' }), /fileOp is not an object/);
    rejects(j({ ...GOOD, fileOp: { link: 3 } }), /fileOp.link is not a string/);
    rejects(j({ ...GOOD, mode: 644 }), /mode is not a string/);
    rejects(j({ ...GOOD, content: { encoding: 'utf-8' } }), /content is not/);
    rejects(j({ ...GOOD, report: { code: '201' } }), /report is not/);
  });
  it('NUL bytes in paths', () => {
    rejects(j({ ...GOOD, relPath: 'a/\u0000/b' }), /relPath contains a NUL/);
    rejects(j({ ...GOOD, retPath: 'x\u0000' }), /retrievePath contains a NUL/);
    rejects(j({ ...GOOD, fileOp: { rename: 'x\u0000' } }), /fileOp.rename contains a NUL/);
  });
  it('__proto__ field', () => rejects(raw(`{"__proto__": {"x": 1}, ${JSON.stringify(GOOD).slice(1)}`, 'application/json'), /__proto__/));
});

describe('malformed whatever the format', () => {
  it('body over maxBytes (default 1 MiB)', () => {
    const big = j({ ...GOOD, pad: 'x'.repeat(1 << 20) });
    rejects(big, /exceeds the 1048576-byte limit/);
    rejects(j(GOOD), /exceeds the 10-byte limit/, { maxBytes: 10 });
    assert.doesNotThrow(() => decode(big, { maxBytes: 2 << 20 }));
  });
  it('binary garbage', () => {
    rejects(raw(Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x81]), 'application/json'), /not valid UTF-8/);
    rejects(raw(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x20, 0x20, 0x01])), /not valid UTF-8/);
    rejects(raw(Buffer.from([0x89, 0x50, 0x4e, 0x47]), 'text/plain'), /not valid UTF-8/);
  });
  it('empty body', () => rejects(raw(''), /empty message body/));
  it('a WIS message without its properties is refused, not misread', () => rejects(raw('{"type": "Feature"}', 'application/geo+json'), /WIS properties/));
});

describe('malformed v02', () => {
  it('short bodies', () => {
    rejects(v02('20261122020709.743412733'), /fewer than 3 fields/);
    rejects(v02('20261122020709.743412733 http://h/'), /fewer than 3 fields/);
    rejects(v02('20261122020709.743412733 http://h/ '), /fewer than 3 fields/);
  });
  it('bad pubTime and header times', () => {
    rejects(v02('now http://h/ a/b'), /pubTime: bad timestamp/);
    rejects(v02('20261122020709.7 http://h/ a/b', { mtime: 'soon' }), /mtime: bad timestamp/);
  });
  it('bad sum and parts', () => {
    rejects(v02('20261122020709.7 http://h/ a/b', { sum: 'q,123' }), /unknown v02 sum flag "q"/);
    rejects(v02('20261122020709.7 http://h/ a/b', { sum: 'd123' }), /not <flag>,<value>/);
    rejects(v02('20261122020709.7 http://h/ a/b', { sum: 'd,xyz' }), /not hex/);
    rejects(v02('20261122020709.7 http://h/ a/b', { sum: 'L,abcd' }), /without a link header/);
    rejects(v02('20261122020709.7 http://h/ a/b', { sum: 42 }), /sum header is not a string/);
    rejects(v02('20261122020709.7 http://h/ a/b', { parts: '1,big,1,0,0' }), /non-numeric/);
    rejects(v02('20261122020709.7 http://h/ a/b', { parts: 'x,1,1,0,0' }), /parts style/);
  });
  it('NUL in relPath', () => rejects(v02('20261122020709.7 http://h/ a/\u0000b'), /relPath contains a NUL/));
  it('bad content header', () => rejects(v02('20261122020709.7 http://h/ a', { content: 'not json' }), /content header/));
});

describe('format detection', () => {
  const body = '20261122020709.7 http://h/ a/b';
  it('text/plain, a body not starting with {, or a v02. topic mean v02', () => {
    assert.equal(decode(raw(body)).format, 'v02');
    assert.equal(decode({ routingKey: 'v02.post', body: Buffer.from(body) }).format, 'v02');
    assert.equal(decode(raw(JSON.stringify(GOOD))).format, 'v03');
    assert.equal(decode(raw(JSON.stringify(GOOD), 'application/json')).format, 'v03');
  });
  it('old names integrity / retPath are renamed in place', () => {
    const d = decode(j({ ...GOOD, integrity: { method: 'md5', value: 'AAAAAAAAAAAAAAAAAAAAAA==' }, retPath: 'r/p', extra: 1 }));
    assert.deepEqual(Object.keys(d.notice), ['pubTime', 'baseUrl', 'relPath', 'identity', 'retrievePath', 'extra']);
  });
});

describe('a malformed notice names its baseUrl and relPath where they could be read', () => {
  function where(msg: WireMessage): { baseUrl?: string; relPath?: string; where: string } | undefined {
    try {
      decode(msg);
    } catch (e: unknown) {
      assert.ok(e instanceof MalformedMessageError);
      if (!(e instanceof MalformedNoticeError)) return undefined;
      assert.equal(e.reportCode, 417);
      return { baseUrl: e.baseUrl, relPath: e.relPath, where: e.where() };
    }
    assert.fail('decoded');
  }
  it('v03: every field error once the JSON object is read', () => {
    for (const bad of [{ pubTime: '20261322T020710.1' }, { mtime: 'soon' }, { size: -1 }, { identity: { method: 'crc', value: '' } }, { pubTime: undefined }]) {
      const w = where(j({ ...GOOD, ...bad }));
      assert.deepEqual(w, { baseUrl: GOOD.baseUrl, relPath: GOOD.relPath, where: 'baseUrl="http://127.0.0.1:8090/" relPath="wire/f"' }, JSON.stringify(bad));
    }
    assert.deepEqual(where(j({ ...GOOD, baseUrl: 7, size: -1 })), { baseUrl: undefined, relPath: 'wire/f', where: 'relPath="wire/f"' });
  });
  it('v02: every header error once the body is read (relPath unescaped, as a v03 notice would carry it)', () => {
    for (const h of [{ mtime: 'soon' }, { sum: 'q,1' }, { parts: 'x' }, { content: 'not json' }]) {
      const w = where(v02('20261122020709.7 http://h/ a/my%20file', h));
      assert.deepEqual(w, { baseUrl: 'http://h/', relPath: 'a/my file', where: 'baseUrl="http://h/" relPath="a/my file"' }, JSON.stringify(h));
    }
    assert.equal(where(v02('20261122020709.7x http://h/ a/b'))?.relPath, 'a/b', 'a bad pubTime in the body');
  });
  it('nothing to name when the body cannot be read that far', () => {
    for (const m of [raw('{"pubTime": ', 'application/json'), raw('[1]', 'application/json'), v02('20261122020709.7 http://h/'), raw(Buffer.from([0x7b, 0xff]), 'application/json'), j({ pubTime: 'x' })]) {
      assert.equal(where(m), undefined);
    }
  });
  it('network text cannot break the log line: quoted, control characters escaped, cut at 200 characters', () => {
    const w = where(j({ ...GOOD, relPath: 'a\nFAKE LOG LINE/' + 'x'.repeat(300), size: -1 }));
    assert.ok(w);
    assert.ok(!w.where.includes('\n'));
    assert.match(w.where, /relPath="a\\nFAKE LOG LINE\/x+…"$/);
    assert.ok(w.where.length < 260);
  });
});
