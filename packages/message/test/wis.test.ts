// WIS2 notification messages: sr3's postformat/wis layout byte for byte, v03 <-> wis both ways, hostile WNMs refused.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MalformedMessageError } from '@sarra/common';
import { decode, encode, MalformedNoticeError } from '@sarra/message';

const TOPIC = 'origin.a.wis2.ca-eccc-msc.data.core.weather.surface-based-observations.synop';
const UUID = /"id": "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"/;

// what sr3's exportMine writes (Python json.dumps) for a notice with data_id, size and contentType; only the uuid varies
const SR3_OUT =
  '{"type": "Feature", "geometry": null, "properties": {"data_id": "ca-eccc-msc/UANT01_CWAO_200445___15103.bufr4", ' +
  '"pubtime": "2022-03-20T04:50:18.25Z"}, "version": "v04", "id": "<uuid>", "links": [{"rel": "canonical", ' +
  '"href": "https://example.org/data/UANT01_CWAO_200445___15103.bufr4", "length": 457, "type": "application/bufr"}]}';

// a WNM as the WIS2 spec's examples write it (example1: geometry, integrity, datetime, inline content, a second link)
const WNM = {
  id: '31e9d66a-cd83-4174-9429-b932f1abe1be',
  conformsTo: ['http://wis.wmo.int/spec/wnm/1/conf/core'],
  type: 'Feature',
  geometry: { type: 'Point', coordinates: [6.146255135536194, 46.223296618227444] },
  properties: {
    pubtime: '2022-03-20T04:50:18Z',
    datetime: '2022-03-20T04:45:00Z',
    integrity: { method: 'sha512', value: 'lTatrz6P+o0O1jPm+SdA/aRy1P3JDMxd1IBjFnyWxMLW/M1GvGjzcXD8GVsRMRL0lndKEGUdbnhSTIyIxpTv1g==' },
    data_id: 'ca-eccc-msc/UANT01_CWAO_200445___15103.bufr4',
    metadata_id: 'urn:wmo:md:ca-eccc-msc:observations.swob',
    content: { encoding: 'utf-8', value: 'encoded bytes from the file', size: 27 },
    'cache-duration': 'PT6H',
  },
  links: [
    { href: 'https://example.org/data/4Pubsub/92c557ef.bufr4', rel: 'canonical', type: 'application/bufr', length: 27 },
    { href: 'https://example.org/oapi/collections/my-dataset/items/my-data-granule', rel: 'item', type: 'application/json' },
  ],
};

// the same notice re-posted as wis: sr3's key order, integrity and the extra properties kept, the item link kept
const WNM_REPOST =
  '{"type": "Feature", "geometry": {"type": "Point", "coordinates": [6.146255135536194, 46.223296618227444]}, ' +
  '"properties": {"datetime": "2022-03-20T04:45:00Z", "integrity": {"method": "sha512", "value": "lTatrz6P+o0O1jPm+SdA/aRy1P3JDMxd1IBjFnyWxMLW/M1GvGjzcXD8GVsRMRL0lndKEGUdbnhSTIyIxpTv1g=="}, ' +
  '"data_id": "ca-eccc-msc/UANT01_CWAO_200445___15103.bufr4", "metadata_id": "urn:wmo:md:ca-eccc-msc:observations.swob", ' +
  '"content": {"encoding": "utf-8", "value": "encoded bytes from the file", "size": 27}, "cache-duration": "PT6H", ' +
  '"pubtime": "2022-03-20T04:50:18Z"}, "version": "v04", "id": "31e9d66a-cd83-4174-9429-b932f1abe1be", ' +
  '"links": [{"rel": "canonical", "href": "https://example.org/data/4Pubsub/92c557ef.bufr4", "length": 27, "type": "application/bufr"}, ' +
  '{"href": "https://example.org/oapi/collections/my-dataset/items/my-data-granule", "rel": "item", "type": "application/json"}]}';

/** A parsed WNM as the tests poke at it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- hostile shapes are written on purpose
type WnmLike = Record<string, any>;

function wis(body: unknown, contentType: string | undefined = 'application/geo+json', routingKey = TOPIC) {
  return { routingKey, body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), contentType };
}

describe('wis encoding', () => {
  it('writes what sr3 writes: application/geo+json, sr3 key order, pubtime in RFC 3339 Z, links[0] with length', () => {
    const w = encode({
      pubTime: '20220320T045018.25', baseUrl: 'https://example.org/data/', relPath: 'UANT01_CWAO_200445___15103.bufr4',
      data_id: 'ca-eccc-msc/UANT01_CWAO_200445___15103.bufr4', size: 457, contentType: 'application/bufr',
    }, 'wis', { topic: TOPIC });
    assert.equal(w.contentType, 'application/geo+json');
    assert.equal(w.headers, undefined);
    assert.equal(w.routingKey, TOPIC);
    const text = w.body.toString('latin1');
    assert.match(text, UUID);
    assert.equal(text.replace(UUID, '"id": "<uuid>"'), SR3_OUT);
  });

  it('a v03 notice: data_id from relPath, identity as integrity, datetime from mtime, topic = post_topicPrefix', () => {
    const w = encode({
      pubTime: '20261122T020710.613460302', baseUrl: 'http://127.0.0.1:8090/', relPath: 'wire/f_wire.dat', source: 'bench', mode: '644',
      size: 4096, mtime: '20261122T014745.9275', identity: { method: 'sha512', value: 'lZ7E/cA==' }, retrievePath: '/x/f_wire.dat',
    }, 'wis', { topicPrefix: TOPIC });
    assert.equal(w.routingKey, TOPIC);
    const o = JSON.parse(w.body.toString()) as WnmLike;
    assert.deepEqual(o.properties, {
      data_id: 'wire/f_wire.dat', source: 'bench', integrity: { method: 'sha512', value: 'lZ7E/cA==' },
      datetime: '2026-11-22T01:47:45.9275Z', pubtime: '2026-11-22T02:07:10.613460302Z',
    });
    assert.deepEqual(o.links, [{ rel: 'canonical', href: 'http://127.0.0.1:8090/x/f_wire.dat', length: 4096 }]);
    // read back (sr3: relPath = topic + '/' + data_id), it announces the same file
    const d = decode({ routingKey: w.routingKey, body: w.body, contentType: w.contentType });
    assert.equal(d.format, 'wis');
    assert.equal(d.notice.relPath, TOPIC.replaceAll('.', '/') + '/wire/f_wire.dat');
    assert.equal(d.notice.pubTime, '20261122T020710.613460302');
    assert.deepEqual(d.notice.identity, { method: 'sha512', value: 'lZ7E/cA==' });
    assert.equal(d.notice.size, 4096);
    assert.equal(d.notice.baseUrl + d.notice.retrievePath, 'http://127.0.0.1:8090/x/f_wire.dat');
  });

  it('a method WNM has no name for stays identity; a notice without size cannot be posted as wis', () => {
    const w = encode({ pubTime: '20261122T020710', baseUrl: 'sftp://h', relPath: 'a/b', size: 1, identity: { method: 'cod', value: 'sha512' } }, 'wis');
    const o = JSON.parse(w.body.toString()) as WnmLike;
    assert.deepEqual(o.properties.identity, { method: 'cod', value: 'sha512' });
    assert.equal(o.properties.pubtime, '2026-11-22T02:07:10Z');
    assert.equal(decode({ ...w, routingKey: TOPIC }).notice.identity?.method, 'cod');
    assert.throws(() => encode({ pubTime: '20261122T020710', baseUrl: 'sftp://h', relPath: 'a/b' }, 'wis'),
      (e: unknown) => e instanceof MalformedMessageError && /without a size/.test(e.message));
  });
});

describe('wis decoding', () => {
  it('the spec example: relPath = topic/data_id, canonical link -> baseUrl/retrievePath/size/contentType, properties kept', () => {
    const d = decode(wis(WNM));
    assert.equal(d.format, 'wis');
    assert.equal(d.topic, TOPIC);
    const n = d.notice;
    assert.equal(n.relPath, 'origin/a/wis2/ca-eccc-msc/data/core/weather/surface-based-observations/synop/ca-eccc-msc/UANT01_CWAO_200445___15103.bufr4');
    assert.equal(n.pubTime, '20220320T045018');
    assert.equal(n.baseUrl, 'https://example.org');
    assert.equal(n.retrievePath, '/data/4Pubsub/92c557ef.bufr4');
    assert.equal(n.size, 27);
    assert.equal(n.contentType, 'application/bufr');
    assert.deepEqual(n.identity, { method: 'sha512', value: 'lTatrz6P+o0O1jPm+SdA/aRy1P3JDMxd1IBjFnyWxMLW/M1GvGjzcXD8GVsRMRL0lndKEGUdbnhSTIyIxpTv1g==' });
    assert.equal(n.datetime, '2022-03-20T04:45:00Z');
    assert.deepEqual(n.content, WNM.properties.content);
    assert.deepEqual(n.geometry, WNM.geometry);
  });

  it('a sha256 integrity (a WNM method no notice identity has) is not refused: kept under properties, written back on a wis re-post', () => {
    const o = structuredClone(WNM) as WnmLike;
    o.properties.integrity = { method: 'sha256', value: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=' };
    const n = decode(wis(o)).notice;
    assert.equal(n.identity, undefined, 'no identity the download would check');
    assert.deepEqual((n.properties as WnmLike).integrity, o.properties.integrity);
    const again = JSON.parse(encode(n, 'wis').body.toString()) as WnmLike;
    assert.deepEqual(again.properties.integrity, o.properties.integrity);
  });

  it('re-posted as wis it is the same message, byte for byte in sr3 layout (id and links kept)', () => {
    const d = decode(wis(WNM));
    const w = encode(d.notice, 'wis', { topicPrefix: 'v03' });
    assert.equal(w.routingKey, TOPIC); // the topic it came on, not post_topicPrefix
    assert.equal(w.body.toString('latin1'), WNM_REPOST);
  });

  it('converted to v03 and back to wis, nothing both can carry is lost', () => {
    const d = decode(wis(WNM));
    const v = decode({ routingKey: 'v03.x', body: encode(d.notice, 'v03').body, contentType: 'application/json' });
    assert.equal(encode(v.notice, 'wis').body.toString('latin1'), WNM_REPOST);
    const v2 = decode({ ...encode(d.notice, 'v02'), routingKey: 'v02.post.x' });
    assert.equal(encode(v2.notice, 'wis').body.toString('latin1'), WNM_REPOST);
  });

  it('without a content type, a JSON object with "type": "Feature" is wis; with application/json it is v03', () => {
    assert.equal(decode(wis(WNM, undefined)).format, 'wis');
    assert.throws(() => decode(wis(WNM, 'application/json')), /missing pubTime/);
  });

  it('over MQTT the relPath is the whole topic as received + / + data_id, a "." in a level kept', () => {
    const d = decode({ ...wis(WNM), routingKey: 'a.wis2.x', topic: 'origin/a/wis2/ca-x/v1.2/synop' });
    assert.equal(d.notice.relPath, `origin/a/wis2/ca-x/v1.2/synop/${String(d.notice.data_id)}`);
  });

  it('the sr3 minimum (example3 with links[0].length) decodes', () => {
    const d = decode(wis('{"id": "31e9d66a-cd83-4174-9429-b932f1abcdef", "version": "v04", "type": "Feature", "geometry": null, ' +
      '"properties": {"pubtime": "2022-11-20T16:40:37Z", "data_id": "wis2/XYZ/nmhs_xyz/data/core/weather/abcdefab"}, ' +
      '"links": [{"href": "https://somedata.com/92c557ef.txt", "rel": "canonical", "length": 12}]}'));
    assert.equal(d.notice.relPath, TOPIC.replaceAll('.', '/') + '/wis2/XYZ/nmhs_xyz/data/core/weather/abcdefab');
    assert.equal(d.notice.geometry, undefined);
    assert.equal(d.notice.size, 12);
  });

  const hostile: [string, (o: WnmLike) => void, RegExp][] = [
    ['type not Feature', (o) => { o.type = 'FeatureCollection'; }, /not "Feature"/],
    ['properties not an object', (o) => { o.properties = [1]; }, /properties is not an object/],
    ['no data_id', (o) => { delete o.properties.data_id; }, /data_id is not a non-empty string/],
    ['NUL in data_id', (o) => { o.properties.data_id = 'a\0b'; }, /data_id contains a NUL/],
    ['no pubtime', (o) => { delete o.properties.pubtime; }, /pubtime is not a string/],
    ['pubtime not in Z', (o) => { o.properties.pubtime = '2022-03-20T04:50:18+00:00'; }, /pubtime .* is not RFC 3339 UTC/],
    ['impossible pubtime', (o) => { o.properties.pubtime = '2022-02-30T04:50:18Z'; }, /pubTime: .*no such date/],
    ['bad datetime', (o) => { o.properties.datetime = 'yesterday'; }, /properties.datetime .* is not RFC 3339/],
    ['no links', (o) => { delete o.links; }, /links is not a non-empty array/],
    ['empty links', (o) => { o.links = []; }, /links is not a non-empty array/],
    ['a link not an object', (o) => { o.links = ['x']; }, /not an object/],
    ['href not a URL', (o) => { o.links[0].href = '/etc/passwd'; }, /not scheme:\/\/host\/path/],
    ['href with a bad host', (o) => { o.links[0].href = 'https://[zz/x'; }, /is not a URL/],
    ['href with a NUL', (o) => { o.links[0].href = 'https://h/a\0'; }, /NUL/],
    ['negative length', (o) => { o.links[0].length = -1; }, /length is not a non-negative integer/],
    ['length a string', (o) => { o.links[0].length = '27'; }, /length is not a non-negative integer/],
    ['type not a string', (o) => { o.links[0].type = 3; }, /links type is not a string/],
    ['geometry a string', (o) => { o.geometry = 'here'; }, /geometry is neither null nor an object/],
    ['id not a string', (o) => { o.id = 7; }, /id is not a non-empty string/],
    ['unknown integrity method', (o) => { o.properties.integrity = { method: 'crc32', value: 'x' }; }, /unknown identity method/],
    ['__proto__ property', (o) => { o.properties = JSON.parse('{"__proto__": {}, "data_id": "a", "pubtime": "2022-03-20T04:50:18Z"}'); }, /__proto__/],
  ];
  for (const [name, spoil, reason] of hostile) {
    it(`refuses ${name} as malformed, with its reason`, () => {
      const o = structuredClone(WNM) as WnmLike;
      spoil(o);
      assert.throws(() => decode(wis(o)), (e: unknown) => e instanceof MalformedMessageError && reason.test(e.message));
    });
  }

  it('names the file of a malformed WNM once its path is known; properties cannot redirect the path or the URL', () => {
    const o = structuredClone(WNM) as WnmLike;
    o.links[0].length = -1;
    assert.throws(() => decode(wis(o)), (e: unknown) => e instanceof MalformedNoticeError && /relPath="origin\/a\/wis2/.test(e.where()));
    const p = structuredClone(WNM) as WnmLike;
    Object.assign(p.properties, { relPath: '../../etc/passwd', baseUrl: 'http://evil', retrievePath: '/x', size: 1 });
    const n = decode(wis(p)).notice;
    assert.ok(n.relPath.startsWith('origin/a/wis2/'));
    assert.equal(n.baseUrl, 'https://example.org');
    assert.equal(n.retrievePath, '/data/4Pubsub/92c557ef.bufr4');
    assert.equal(n.size, 27);
  });
});
