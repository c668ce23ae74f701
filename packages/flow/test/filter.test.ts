// Accept/reject in file order against the full URL, acceptUnmatched, regex groups, message age.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newParseState, parseText, resolveOptions, Credentials, type Options } from '@sarra/config';
import type { Notice } from '@sarra/message';
import { applyMasks, joinUrl, sourceUrl, urlToMatch } from '../src/filter.js';
import { defaultAccept } from '../src/accept.js';
import type { WorkItem } from '../src/types.js';

function conf(text: string, component = 'subscribe'): Options {
  const st = newParseState(component, 'test', { HOME: '/tmp/nohome' });
  parseText(st, `broker amqp://anonymous@localhost\n${text}\n`, '/tmp/test.conf');
  return resolveOptions(st, Credentials.empty());
}

function item(relPath: string, extra: Partial<Notice> = {}): WorkItem {
  return { notice: { pubTime: '20240129T174356.779', baseUrl: 'https://hpfx.collab.science.gc.ca', relPath, ...extra } };
}

test('joinUrl puts exactly one slash between baseUrl and relPath', () => {
  assert.equal(joinUrl('http://h/', '/a/b'), 'http://h/a/b');
  assert.equal(joinUrl('http://h', 'a/b'), 'http://h/a/b');
  assert.equal(joinUrl('http://h/', 'a/b'), 'http://h/a/b');
  assert.equal(joinUrl('http://h', '/a/b'), 'http://h/a/b');
});

test('the URL matched carries :sundew_extension when present', () => {
  const it = item('/20240129/WXO-DD/x.xml', { sundew_extension: 'DMS:WXO:MSC:XML::20240129174355' });
  assert.equal(urlToMatch(it.notice), 'https://hpfx.collab.science.gc.ca/20240129/WXO-DD/x.xml:DMS:WXO:MSC:XML::20240129174355');
});

test('first matching mask decides, in file order', () => {
  const o = conf('reject .*/reject/.*\naccept .*WXO-DD.*\nreject .*');
  assert.equal(applyMasks(o, item('/20200105/WXO-DD/reject/a.txt')).accepted, false);
  const r = applyMasks(o, item('/20200105/WXO-DD/bulletins/a.txt'));
  assert.equal(r.accepted, true);
  assert.equal(r.mask?.line, 3);
  const other = applyMasks(o, item('/20200105/OTHER/a.txt'));
  assert.equal(other.accepted, false);
  assert.equal(other.mask?.pattern, '.*');
});

test('order matters: the same lines reversed give the opposite answer', () => {
  const o = conf('accept .*WXO-DD.*\nreject .*/reject/.*');
  assert.equal(applyMasks(o, item('/20200105/WXO-DD/reject/a.txt')).accepted, true);
});

test('no match falls back to acceptUnmatched', () => {
  assert.equal(applyMasks(conf('accept .*\\.grib2'), item('/a/b.txt')).accepted, true);
  const off = applyMasks(conf('acceptUnmatched off\naccept .*\\.grib2'), item('/a/b.txt'));
  assert.equal(off.accepted, false);
  assert.equal(off.mask, undefined);
  assert.equal(applyMasks(conf(''), item('/a/b.txt')).accepted, true);
});

test('masks match at the start of the URL only (Python re.match)', () => {
  const o = conf('acceptUnmatched off\naccept WXO-DD.*');
  assert.equal(applyMasks(o, item('/20200105/WXO-DD/a.txt')).accepted, false);
  const o2 = conf('acceptUnmatched off\naccept https://hpfx.*WXO-DD.*');
  assert.equal(applyMasks(o2, item('/20200105/WXO-DD/a.txt')).accepted, true);
});

test('a mask matching mid-string without anchor is not a match even if the regex is unanchored', () => {
  const o = conf('acceptUnmatched off\naccept .*');
  o.masks[0]!.regex = /WXO/;
  o.masks[0]!.pattern = 'WXO';
  assert.equal(applyMasks(o, item('/20200105/WXO-DD/a.txt')).accepted, false);
});

test('regex groups are returned for ${1}.. with unmatched groups as empty strings', () => {
  const o = conf('accept .*/(\\d{8})/([^/]*)/(x)?.*');
  const r = applyMasks(o, item('/20200105/WXO-DD/bulletins/a.txt'));
  assert.equal(r.accepted, true);
  assert.equal(r.groups[1], '20200105');
  assert.equal(r.groups[2], 'WXO-DD');
  assert.equal(r.groups[3], '');
  assert.equal(r.groups[0], 'https://hpfx.collab.science.gc.ca/20200105/WXO-DD/bulletins/a.txt');
});

test('Python named groups in masks work', () => {
  const o = conf('accept .*/(?P<day>\\d{8})/.*');
  const r = applyMasks(o, item('/20200105/WXO-DD/a.txt'));
  assert.equal(r.groups[1], '20200105');
});

test('messageAgeMax: older notices are rejected with 504, younger pass, 0 is off (the filter step)', () => {
  const pub = Date.UTC(2024, 0, 29, 17, 43, 56, 779);
  const accept = defaultAccept(conf('messageAgeMax 10'), { destination: false });
  assert.deepEqual(accept(item('/a/b.txt'), pub + 9_000), { accepted: true });
  const v = accept(item('/a/b.txt'), pub + 11_000);
  assert.equal(v.accepted ? 0 : v.code, 504);
  assert.match(v.accepted ? '' : v.reason, /too old/);
  assert.deepEqual(defaultAccept(conf(''), { destination: false })(item('/a/b.txt'), pub + 1e9), { accepted: true });
});

test('a reject mask or no accept match: 404 no match (the filter step)', () => {
  const accept = defaultAccept(conf('reject .*/reject/.*\nacceptUnmatched off'), { destination: false });
  assert.deepEqual(accept(item('/a/reject/x'), Date.now()), { accepted: false, code: 404, reason: 'no match' });
  assert.deepEqual(accept(item('/b'), Date.now()), { accepted: false, code: 404, reason: 'no match' });
});

test('sourceUrl prefers retrievePath over relPath', () => {
  assert.equal(sourceUrl(item('/a/b.txt').notice), 'https://hpfx.collab.science.gc.ca/a/b.txt');
  assert.equal(sourceUrl(item('/a/b.txt', { retrievePath: 'store/xyz' }).notice), 'https://hpfx.collab.science.gc.ca/store/xyz');
});
