// COMPAT section 4 and 10 wire captures: decoding then encoding gives the captured bytes and headers.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decode, encode, sha512Hex } from '@sarra/message';

const DIR_V03 =
  '{"pubTime": "20261122T020710.61337781", "relPath": "wire", "baseUrl": "http://127.0.0.1:8090/", "source": "bench", "mode": "755", "fileOp": {"directory": ""}, "contentType": "text/directory"}';
const FILE_V03 =
  '{"pubTime": "20261122T020710.613460302", "relPath": "wire/f_wire.dat", "baseUrl": "http://127.0.0.1:8090/", "source": "bench", "mode": "644", "size": 4096, "mtime": "20261122T014745.927582502", "atime": "20261122T014825.0660698414", "identity": {"method": "sha512", "value": "lZ7EvN5EoVLA6pjjbK0tnlw+kkw5C9OQR3be2AkrY/OlQbn7dsutS4byKgxRfF7YsjRcaK4rRViIUjy7Lv7/cA=="}, "contentType": "application/octet-stream"}';
const INLINE_V03 =
  '{"pubTime": "20261122T020711.424929619", "relPath": "wire_inline/note.txt", "baseUrl": "http://127.0.0.1:8090/", "source": "bench", "mode": "644", "size": 68, "mtime": "20261122T015908.970039606", "atime": "20261122T015908.970039606", "identity": {"method": "sha512", "value": "ofDLRMH8mgjMLglDLGZ6Sea2CkOagmNOhgmwhIZTokv9oiSf4jgx6SUZGzC5mAb1loSZGLtf0lQv9FuBA/mBhQ=="}, "contentType": "text/plain", "content": {"encoding": "utf-8", "value": "CACN00 CWAO 161800\\nPMN\\n160,2021,228,1800,1065,100,-6999,20.49,43.63\\n"}}';
const SHOVEL_V03 =
  '{"pubTime": "20261122T020248.95147109", "relPath": "bench/shovel/d00/file_000000.dat", "baseUrl": "http://127.0.0.1:8090/", "source": "bench"}';
const WXO_REL = '/20240129/WXO-DD/observations/swob-ml/20240129/CXCK/2024-01-29-1743-CXCK-AUTO-minute-swob.xml';
const WXO_V03 =
  `{"pubTime": "20240129T174356.779", "baseUrl": "https://hpfx.collab.science.gc.ca", "relPath": "${WXO_REL}", ` +
  '"identity": {"method": "md5", "value": "sZvG3KgpfENZc15YSMHvbQ=="}, "size": 9326, ' +
  '"mtime": "20240129T174356.779", "atime": "20240129T174356.779", "source": "anonymous", ' +
  '"from_cluster": "DDSR.CMC", "to_clusters": "ALL", "sundew_extension": "DMS:WXO_RENAMED_SWOB2:MSC:XML::20240129174355"}';

function v03(routingKey: string, body: string) {
  return { routingKey, body: Buffer.from(body), contentType: 'application/json' };
}

describe('v03 captures round-trip byte for byte', () => {
  const cases: [string, string, string][] = [
    ['directory', 'v03', DIR_V03],
    ['file', 'v03.wire', FILE_V03],
    ['inline', 'v03.wire_inline', INLINE_V03],
    ['shovel re-post', 'v03.bench.shovel.d00', SHOVEL_V03],
    ['hpfx WXO-DD', 'v03.20240129.WXO-DD.observations.swob-ml.20240129.CXCK', WXO_V03],
  ];
  for (const [name, key, body] of cases) {
    it(name, () => {
      const d = decode(v03(key, body));
      assert.equal(d.format, 'v03');
      assert.equal(d.topic, key);
      const w = encode(d.notice, 'v03');
      assert.equal(w.body.toString('latin1'), body);
      assert.equal(w.routingKey, key, 'routing key recomputed from relPath is the captured one');
      assert.equal(w.contentType, 'application/json');
    });
  }
  it('inline content keeps its newlines and the fraction of 10 digits stays as received', () => {
    const n = decode(v03('v03.wire_inline', INLINE_V03)).notice;
    assert.equal(n.content?.value.split('\n').length, 4);
    assert.equal(decode(v03('v03.wire', FILE_V03)).notice.atime, '20261122T014825.0660698414');
  });
});

describe('v02 captures', () => {
  const dirHeaders = { contentType: 'text/directory', mode: '755', source: 'bench', sum: 'm,' + sha512Hex('wire') };
  const fileHeaders = {
    atime: '20261122014825.0660698414', contentType: 'application/octet-stream', mode: '644',
    mtime: '20261122014745.927582502', parts: '1,4096,1,0,0', source: 'bench',
    sum: 's,959ec4bcde44a152c0ea98e36cad2d9e5c3e924c390bd3904776ded8092b63f3a541b9fb76cbad4b86f22a0c517c5ed8b2345c68ae2b455888523cbb2efeff70',
  };
  const v02 = (routingKey: string, body: string, headers: Record<string, unknown>) =>
    ({ routingKey, body: Buffer.from(body), contentType: 'text/plain', contentEncoding: 'utf-8', headers });

  it('directory sum m carries the sha512 of the name (the captured a06c6fa5...3e16)', () => {
    assert.match(dirHeaders.sum, /^m,a06c6fa5[0-9a-f]+3e16$/);
  });

  it('directory: decodes to the v03 directory notice and re-encodes to the same body and headers', () => {
    const body = '20261122020709.743412733 http://127.0.0.1:8090/ wire';
    const d = decode(v02('v02.post', body, dirHeaders));
    assert.equal(d.format, 'v02');
    const want = { ...JSON.parse(DIR_V03), pubTime: '20261122T020709.743412733' };
    assert.deepEqual(d.notice, want);
    const w = encode(d.notice, 'v02');
    assert.equal(w.body.toString(), body);
    assert.deepEqual(w.headers, dirHeaders);
    assert.equal(w.routingKey, 'v02.post');
    assert.equal(w.contentType, 'text/plain');
  });

  it('file: decodes to the v03 file notice and re-encodes to the same body and headers', () => {
    const body = '20261122020709.743590832 http://127.0.0.1:8090/ wire/f_wire.dat';
    const d = decode(v02('v02.post.wire', body, fileHeaders));
    const want = { ...JSON.parse(FILE_V03), pubTime: '20261122T020709.743590832' };
    assert.deepEqual(d.notice, want);
    const w = encode(d.notice, 'v02');
    assert.equal(w.body.toString(), body);
    assert.deepEqual(w.headers, fileHeaders);
    assert.equal(w.routingKey, 'v02.post.wire');
  });

  it('WXO-DD: v02 decodes to the v03 message byte for byte, and back', () => {
    const body = `20240129174356.779 https://hpfx.collab.science.gc.ca ${WXO_REL}`;
    const headers = {
      sum: 'd,b19bc6dca8297c4359735e5848c1ef6d', parts: '1,9326,1,0,0', mtime: '20240129174356.779',
      atime: '20240129174356.779', source: 'anonymous', from_cluster: 'DDSR.CMC', to_clusters: 'ALL',
      sundew_extension: 'DMS:WXO_RENAMED_SWOB2:MSC:XML::20240129174355',
    };
    const key = 'v02.post.20240129.WXO-DD.observations.swob-ml.20240129.CXCK';
    const d = decode(v02(key, body, headers));
    assert.equal(encode(d.notice, 'v03').body.toString(), WXO_V03);
    assert.equal(encode(d.notice, 'v03').routingKey, 'v03.20240129.WXO-DD.observations.swob-ml.20240129.CXCK');
    const w = encode(decode(v03('x', WXO_V03)).notice, 'v02');
    assert.equal(w.body.toString(), body);
    assert.deepEqual(w.headers, headers);
    assert.equal(w.routingKey, key);
  });

  it('Command Line Guide example (no content type, detected by its body)', () => {
    const body = '20150813161959.854 sftp://stanley@mysftpserver.com/ /data/shared/products/foo';
    const headers = { sum: 'd,82edc8eb735fd99598a1fe04541f558d', parts: '1,4574,1,0,0' };
    const d = decode({ routingKey: 'v02.post.data.shared.products', body: Buffer.from(body), headers });
    assert.equal(d.format, 'v02');
    assert.deepEqual(d.notice, {
      pubTime: '20150813T161959.854', baseUrl: 'sftp://stanley@mysftpserver.com/', relPath: '/data/shared/products/foo',
      identity: { method: 'md5', value: Buffer.from('82edc8eb735fd99598a1fe04541f558d', 'hex').toString('base64') }, size: 4574,
    });
    const w = encode(d.notice, 'v02');
    assert.equal(w.body.toString(), body);
    assert.deepEqual(w.headers, headers);
    assert.equal(w.routingKey, 'v02.post.data.shared.products');
  });
});
