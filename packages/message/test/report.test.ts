// The report code table: codes by name, the description and the short name (rejectedByReason key) of each code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REPORT, reportShortName, reportText } from '../src/report.js';

test('report codes: each name gives its sr3 code; a rejection code has its short name, every code its text', () => {
  assert.equal(REPORT.ok, 201);
  assert.equal(REPORT.duplicate, 304);
  assert.equal(REPORT.noDest, 422);
  assert.equal(REPORT.msgTooOld, 504);
  assert.equal(reportShortName(REPORT.noDest), 'no destination');
  assert.equal(reportShortName(406), 'too old');
  assert.equal(reportShortName(410), 'too old');
  assert.equal(reportShortName(201), undefined, 'a success is no rejection');
  assert.equal(reportText(304), 'not modified (duplicate)');
  assert.equal(reportText(418), 'code 418');
  assert.equal(new Set(Object.values(REPORT)).size, Object.keys(REPORT).length, 'no code under two names');
});
