// Filter-side options: fileSizeMax (413), inlineOnly (415), retry_refilter (retried items filtered again).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger } from '@sarra/common';
import { newParseState, parseText, resolveOptions, Credentials, type Options } from '@sarra/config';
import type { Notice } from '@sarra/message';
import { defaultAccept } from '../src/accept.js';
import { intake } from '../src/intake.js';
import { newWorklist, type WorkItem } from '../src/types.js';
import type { FlowParts } from '../src/flow-parts.js';

function conf(text: string, component = 'subscribe'): Options {
  const st = newParseState(component, 'test', { HOME: '/tmp/nohome' });
  parseText(st, `broker amqp://anonymous@localhost\ndirectory /tmp/out\n${text}\n`, '/tmp/test.conf');
  return resolveOptions(st, Credentials.empty());
}

function item(relPath: string, extra: Partial<Notice> = {}): WorkItem {
  return { notice: { pubTime: '20240129T174356.779', baseUrl: 'https://h.example', relPath, ...extra } };
}

const data = { identity: { method: 'sha512' as const, value: 'x' } };
const parts = { gatherer: { name: 't' }, work: 'download', hooks: [], logger: Logger.silent(), instance: 1 } as unknown as FlowParts;

test('fileSizeMax: a file bigger than it is rejected 413 at filter time; at or below it, and file operations, pass', () => {
  const a = defaultAccept(conf('fileSizeMax 1k'));
  const big = a(item('/a/big', { ...data, size: 1025 }), Date.now());
  assert.deepEqual(big.accepted, false);
  assert.equal(!big.accepted && big.code, 413);
  assert.match(!big.accepted ? big.reason : '', /1025 bytes > fileSizeMax 1024/);
  assert.equal(a(item('/a/ok', { ...data, size: 1024 }), Date.now()).accepted, true);
  assert.equal(a(item('/a/gone', { fileOp: { remove: '' } }), Date.now()).accepted, true);
  // off by default
  assert.equal(defaultAccept(conf(''))(item('/a/big', { ...data, size: 1 << 30 }), Date.now()).accepted, true);
});

test('fileSizeMax applies after the masks: a rejected notice keeps its 404', () => {
  const a = defaultAccept(conf('fileSizeMax 10\nacceptUnmatched off\naccept .*/keep/.*'));
  const v = a(item('/other/big', { ...data, size: 100 }), Date.now());
  assert.equal(!v.accepted && v.code, 404);
});

test('inlineOnly: data notices without inline content are rejected 415; inline ones and file operations pass', () => {
  const a = defaultAccept(conf('inlineOnly on'));
  const v = a(item('/a/f', { ...data, size: 5 }), Date.now());
  assert.equal(!v.accepted && v.code, 415);
  assert.equal(a(item('/a/g', { ...data, size: 2, content: { encoding: 'utf-8', value: 'hi' } }), Date.now()).accepted, true);
  assert.equal(a(item('/a/d', { fileOp: { directory: '' } }), Date.now()).accepted, true);
  assert.equal(a(item('/a/l', { fileOp: { link: 'f' } }), Date.now()).accepted, true);
  // a rename carries the file: without inline content it is refused too
  const r = a(item('/a/n', { ...data, size: 5, fileOp: { rename: '/a/o' } }), Date.now());
  assert.equal(!r.accepted && r.code, 415);
  // off by default
  assert.equal(defaultAccept(conf(''))(item('/a/f', { ...data, size: 5 }), Date.now()).accepted, true);
});

test('retry_refilter off (default): a retried item keeps its placement and skips the filter', () => {
  const o = conf('acceptUnmatched off\naccept .*/now/.*');
  const wl = newWorklist();
  const it = { ...item('/then/f', data), newDir: '/tmp/old', newFile: 'f' };
  intake(o, defaultAccept(o), parts, wl, [], [it]);
  assert.deepEqual(wl.incoming, [it]);
  assert.equal(it.newDir, '/tmp/old');
});

test('retry_refilter on: a retried item goes through accept/reject again, its destination recomputed', () => {
  const o = conf('retry_refilter on\nacceptUnmatched off\ndirectory /tmp/new\naccept .*/keep/.*');
  const wl = newWorklist();
  const rejected = { ...item('/gone/f', data), newDir: '/tmp/old', newFile: 'f', reportCode: 499, reportMessage: 'timeout' };
  const kept = { ...item('/keep/g', data), newDir: '/tmp/old', newFile: 'g', reportCode: 499 };
  intake(o, defaultAccept(o), parts, wl, [], [rejected, kept]);
  assert.deepEqual(wl.rejected, [rejected]);
  assert.equal(rejected.reportCode, 404);
  assert.deepEqual(wl.incoming, [kept]);
  assert.equal(kept.newDir, '/tmp/new');
  assert.equal(kept.reportCode, undefined);
});

test('messageAgeMax: notices rejected as too old are counted in log.tooOldCount (sr status alerts on it), others not', async () => {
  const { Metrics } = await import('../src/metrics.js');
  const o = conf('messageAgeMax 60');
  const m = new Metrics('/nonexistent/never-written.json');
  const wl = newWorklist();
  const fresh = new Date().toISOString().replace(/[-:]/g, '').replace('Z', '');
  intake(o, defaultAccept(o), { ...parts, metrics: m } as FlowParts, wl, [item('/a/old', data), item('/a/older', data), item('/a/new', { ...data, pubTime: fresh })], []);
  assert.deepEqual(wl.rejected.map((i) => i.reportCode), [504, 504]);
  assert.equal(m.get('log.tooOldCount'), 2);
  m.resetInterval();
  assert.equal(m.get('log.tooOldCount'), 0, 'an interval counter, reset at housekeeping');
});
