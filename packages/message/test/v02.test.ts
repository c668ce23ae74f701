// v02 sum flags, relPath escaping, file operations and the 255-byte header limit.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeaderTooLongError, decode, encode, hexToBase64, sha512Hex } from '@sarra/message';
import type { Notice } from '@sarra/message';

const base = { pubTime: '20240129T174356.779', baseUrl: 'http://h/' };

function v02(body: string, headers: Record<string, unknown>) {
  return decode({ routingKey: 'v02.post', body: Buffer.from(body), contentType: 'text/plain', headers }).notice;
}

describe('v02 sum flags', () => {
  const md5 = 'b19bc6dca8297c4359735e5848c1ef6d';
  const cases: [string, Partial<Notice>][] = [
    [`d,${md5}`, { identity: { method: 'md5', value: hexToBase64(md5) } }],
    [`s,${sha512Hex('x')}`, { identity: { method: 'sha512', value: hexToBase64(sha512Hex('x')) } }],
    [`n,${md5}`, { identity: { method: 'md5name', value: hexToBase64(md5) } }],
    ['0,4711', { identity: { method: 'random', value: '4711' } }],
    ['a,my,value', { identity: { method: 'arbitrary', value: 'my,value' } }],
    ['z,s', { identity: { method: 'cod', value: 'sha512' } }],
    ['z,d', { identity: { method: 'cod', value: 'md5' } }],
    [`R,${sha512Hex('f')}`, { fileOp: { remove: '' } }],
    [`m,${sha512Hex('f')}`, { fileOp: { directory: '' } }],
    [`r,${sha512Hex('f')}`, { fileOp: { directory: '', remove: '' } }],
  ];
  for (const [sum, want] of cases) {
    it(`sum=${sum.slice(0, 12)} -> ${JSON.stringify(want).slice(0, 60)}`, () => {
      const n = v02('20240129174356.779 http://h/ d/f', { sum });
      assert.deepEqual(n, { ...base, relPath: 'd/f', ...want });
      const w = encode(n, 'v02');
      assert.deepEqual(w.headers, { sum });
    });
  }
  it('L: symlink, link header holds the target, sum is the sha512 of the target', () => {
    const headers = { sum: 'L,' + sha512Hex('../t/target'), link: '../t/target' };
    const n = v02('20240129174356.779 http://h/ d/f', headers);
    assert.deepEqual(n.fileOp, { link: '../t/target' });
    assert.equal(n.identity, undefined);
    assert.deepEqual(encode(n, 'v02').headers, headers);
  });
  it('oldname becomes fileOp.rename next to the identity, and back', () => {
    const headers = { sum: 'd,' + 'ab'.repeat(16), oldname: 'old/place/f' };
    const n = v02('20240129174356.779 http://h/ new/place/f', headers);
    assert.deepEqual(n.fileOp, { rename: 'old/place/f' });
    assert.equal(n.identity?.method, 'md5');
    assert.deepEqual(encode(n, 'v02').headers, headers);
  });
  it('a v03 fileOp wins over the identity in v02 (sr3 does the same)', () => {
    const n: Notice = { ...base, relPath: 'a/gone', identity: { method: 'md5', value: 'AAAAAAAAAAAAAAAAAAAAAA==' }, fileOp: { remove: '' } };
    assert.deepEqual(encode(n, 'v02').headers, { sum: 'R,' + sha512Hex('gone') });
  });
  it('Buffer header values (byte arrays from some AMQP clients) are read as text', () => {
    const n = v02('20240129174356.779 http://h/ d/f', { sum: Buffer.from('0,42'), flow: Buffer.from('été') });
    assert.deepEqual(n.identity, { method: 'random', value: '42' });
    assert.equal(n.flow, 'été');
    assert.deepEqual(v02('20240129174356.779 http://h/ d/f', { sum: 'L,00', link: Buffer.from('t') }).fileOp, { link: 't' });
  });
  it('partitioned parts give the whole size', () => {
    assert.equal(v02('20240129174356.779 http://h/ f', { parts: 'p,1024,3,100,0' }).size, 2148);
    assert.equal(v02('20240129174356.779 http://h/ f', { parts: 'i,1024,2,0,1' }).size, 2048);
  });
  it('user headers and inline content are carried', () => {
    const headers = { flow: 'f1', filename: 'x.dat', content: { encoding: 'utf-8', value: 'hi' } };
    const n = v02('20240129174356.779 http://h/ f', headers);
    assert.equal(n.flow, 'f1');
    assert.equal(n.filename, 'x.dat');
    assert.deepEqual(n.content, { encoding: 'utf-8', value: 'hi' });
    assert.deepEqual(encode(n, 'v02').headers, headers);
    assert.deepEqual(v02('20240129174356.779 http://h/ f', { content: '{"encoding":"base64","value":"aGk="}' }).content,
      { encoding: 'base64', value: 'aGk=' });
  });
});

describe('v02 precedence', () => {
  it('headers named like body fields cannot override the body', () => {
    const n = v02('20240129174356.779 http://h/ d/f', { relPath: '../../etc/passwd', baseUrl: 'http://evil/', pubTime: 'x' });
    assert.equal(n.relPath, 'd/f');
    assert.equal(n.baseUrl, 'http://h/');
    assert.equal(n.pubTime, '20240129T174356.779');
  });
  it('sum and parts win over same-named headers or notice fields, whatever the order', () => {
    const sum = 'd,' + 'ab'.repeat(16);
    const n = v02('20240129174356.779 http://h/ d/f', { identity: { method: 'md5', value: 'x' }, size: 3, sum, parts: '1,9,1,0,0' });
    assert.equal(n.size, 9);
    assert.equal(n.identity?.value, hexToBase64('ab'.repeat(16)));
    const w = encode({ ...n, sum: 'bogus', parts: 'bogus' }, 'v02');
    assert.equal(w.headers?.sum, sum);
    assert.equal(w.headers?.parts, '1,9,1,0,0');
  });
});

describe('v02 body', () => {
  it('relPath: space -> %20 and # -> %23 on encode, reversed on decode; the topic is not escaped that way', () => {
    const n: Notice = { ...base, relPath: 'dir one/#2/a b#c.txt' };
    const w = encode(n, 'v02');
    assert.equal(w.body.toString(), '20240129174356.779 http://h/ dir%20one/%232/a%20b%23c.txt');
    assert.equal(w.routingKey, 'v02.post.dir one.%232');
    assert.equal(decode(w).notice.relPath, 'dir one/#2/a b#c.txt');
  });
  it('unicode relPath is UTF-8 in the body', () => {
    const n: Notice = { ...base, relPath: 'données/été 😀.txt' };
    const w = encode(n, 'v02');
    assert.ok(w.body.toString('utf8').endsWith('données/été%20😀.txt'));
    assert.equal(decode(w).notice.relPath, n.relPath);
  });
  it('a trailing newline is tolerated', () => {
    assert.equal(v02('20240129174356.779 http://h/ a/b\n', {}).relPath, 'a/b');
  });
  it('v02 prefix option and explicit topic', () => {
    const n: Notice = { ...base, relPath: 'a/b/c' };
    assert.equal(encode(n, 'v02', { topicPrefix: 'v02.post' }).routingKey, 'v02.post.a.b');
    assert.equal(encode(n, 'v02', { topic: 'v02.post.kept' }).routingKey, 'v02.post.kept');
    assert.equal(encode(n, 'v03', { topicPrefix: 'v03.custom' }).routingKey, 'v03.custom.a.b');
  });
});

describe('v02 header limit', () => {
  it('a header value over 255 bytes is refused with HeaderTooLongError', () => {
    const n: Notice = { ...base, relPath: 'f', sundew_extension: 'x'.repeat(256) };
    assert.throws(() => encode(n, 'v02'), (e: unknown) => e instanceof HeaderTooLongError && e.header === 'sundew_extension' && e.bytes === 256);
  });
  it('255 bytes is fine, 86 three-byte characters (258 bytes) are not', () => {
    assert.doesNotThrow(() => encode({ ...base, relPath: 'f', x: 'x'.repeat(255) }, 'v02'));
    assert.throws(() => encode({ ...base, relPath: 'f', x: '€'.repeat(86) }, 'v02'), HeaderTooLongError);
  });
  it('a long symlink target, rename or nested content value is refused too', () => {
    const long = 'd/'.repeat(130);
    assert.throws(() => encode({ ...base, relPath: 'f', fileOp: { link: long } }, 'v02'), HeaderTooLongError);
    assert.throws(() => encode({ ...base, relPath: 'f', fileOp: { rename: long } }, 'v02'), HeaderTooLongError);
    assert.throws(() => encode({ ...base, relPath: 'f', content: { encoding: 'utf-8', value: long } }, 'v02'), HeaderTooLongError);
  });
  it('v03 has no such limit', () => {
    assert.doesNotThrow(() => encode({ ...base, relPath: 'f', x: 'x'.repeat(1000) }, 'v03'));
  });
});
