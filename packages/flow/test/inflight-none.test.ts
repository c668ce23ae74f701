// The config's inflight values as the download and send writers read them: `.tmp` unless set, None = the final name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { optionsFromText } from '@sarra/config';
import { inflightPath } from '../src/download.js';

test('inflight None writes the final name directly; the default writes <name>.tmp', () => {
  const inflight = (text: string): string | number => optionsFromText('subscribe', text, { check: false }).inflight;
  assert.equal(inflightPath('/data/a/f.txt', inflight('inflight None')), '/data/a/f.txt');
  assert.equal(inflightPath('/data/a/f.txt', inflight('lock NONE')), '/data/a/f.txt');
  assert.equal(inflightPath('/data/a/f.txt', inflight('')), '/data/a/f.txt.tmp');
  assert.equal(inflightPath('/data/a/f.txt', inflight('inflight tmp/')), '/data/a/tmp/f.txt');
  assert.equal(inflightPath('/data/a/f.txt', inflight('inflight .')), '/data/a/.f.txt');
});
