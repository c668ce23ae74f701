// relPath -> topic with sr3's escaping, truncation and prefixes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFromPrefix, topicFor } from '@sarra/message';

describe('topicFor', () => {
  it('prefix + directory words, file name excluded', () => {
    assert.equal(topicFor('v03', 'wire/f_wire.dat'), 'v03.wire');
    assert.equal(topicFor('v03', 'wire'), 'v03');
    assert.equal(topicFor('v02.post', 'bench/shovel/d00/file_000000.dat'), 'v02.post.bench.shovel.d00');
  });
  it('leading / dropped', () => {
    assert.equal(
      topicFor('v03', '/20240129/WXO-DD/observations/swob-ml/20240129/CXCK/2024-01-29-1743-CXCK-AUTO-minute-swob.xml'),
      'v03.20240129.WXO-DD.observations.swob-ml.20240129.CXCK');
    assert.equal(topicFor('v03', '/f'), 'v03');
  });
  it('# -> %23 and * -> %22 (sr3 quirk); dots and spaces not escaped', () => {
    assert.equal(topicFor('v03', 'a#b/c*d/f#*.txt'), 'v03.a%23b.c%22d');
    assert.equal(topicFor('v03', 'dir.with.dots/sub dir/f'), 'v03.dir.with.dots.sub dir');
  });
  it('truncated to 255 bytes without splitting a character', () => {
    const t = topicFor('v03', 'é'.repeat(200) + '/f');
    assert.ok(Buffer.byteLength(t) <= 255);
    assert.ok(!t.includes('\ufffd'));
    assert.equal(t, 'v03.' + 'é'.repeat(125));
    const astral = topicFor('v03', '😀'.repeat(100) + '/f');
    assert.equal(astral, 'v03.' + '😀'.repeat(62));
    assert.equal(topicFor('v03', 'a'.repeat(300) + '/f').length, 255);
  });
});

describe('formatFromPrefix', () => {
  it('v02 prefixes give v02, the rest v03', () => {
    assert.equal(formatFromPrefix('v02.post'), 'v02');
    assert.equal(formatFromPrefix('v02'), 'v02');
    assert.equal(formatFromPrefix('v03'), 'v03');
    assert.equal(formatFromPrefix('v03.post'), 'v03');
    assert.equal(formatFromPrefix('v021'), 'v03');
  });
});
