// sr3 timestamps: both forms, any number of fraction digits, the exponent quirk, formatting.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MalformedMessageError } from '@sarra/common';
import { msFromTimestamp, nowTimestamp, timestampFromMs, toV02Time, toV03Time } from '@sarra/message';

const T0 = Date.UTC(2026, 10, 22, 2, 7, 10);

describe('msFromTimestamp', () => {
  it('v03 and v02 forms give the same instant', () => {
    assert.equal(msFromTimestamp('20261122T020710.5'), T0 + 500);
    assert.equal(msFromTimestamp('20261122020710.5'), T0 + 500);
  });
  it('accepts any number of fraction digits, and no fraction at all', () => {
    assert.equal(msFromTimestamp('20261122T020710'), T0);
    assert.equal(msFromTimestamp('20261122T020710.'), T0);
    assert.equal(msFromTimestamp('20261122T020710.779'), T0 + 779);
    assert.ok(Math.abs(msFromTimestamp('20261122T020710.61337781') - (T0 + 613.37781)) < 1e-3);
    assert.ok(Math.abs(msFromTimestamp('20261122T014825.0660698414') - (Date.UTC(2026, 10, 22, 1, 48, 25) + 66.0698414)) < 1e-3);
  });
  it('reads the 11 and 12 digit fractions real sr3 writes (9 significant digits after leading zeros)', () => {
    const t = (h: number, m: number, s: number) => Date.UTC(2026, 11, 3, h, m, s);
    for (const [ts, want] of [
      ['20261203T074649.00693535805', t(7, 46, 49) + 6.93535805],
      ['20261203074649.00693535805', t(7, 46, 49) + 6.93535805],
      ['20261203T074937.000411987305', t(7, 49, 37) + 0.411987305],
      ['20261203074937.000411987305', t(7, 49, 37) + 0.411987305],
      ['20261203T074937.411987305', t(7, 49, 37) + 411.987305],
      ['20261203T074937.000000000000000000001', t(7, 49, 37)],
      ['20261203T074937.999999999999999999999', t(7, 49, 38)],
    ] as const) {
      assert.ok(Math.abs(msFromTimestamp(ts) - want) < 1e-3, `${ts}: ${msFromTimestamp(ts) - want}`);
    }
    assert.equal(msFromTimestamp('20261122T020710.5' + '0'.repeat(40)), T0 + 500);
  });
  it('accepts the exponent quirk .23977661e-05 (2.4 microseconds)', () => {
    const ms = msFromTimestamp('20261122T020710.23977661e-05');
    assert.ok(Math.abs(ms - (T0 + 0.0023977661)) < 1e-6);
  });
  it('rejects impossible dates and junk with MalformedMessageError', () => {
    for (const bad of ['', '2026', '20261122T2507100', '20261122T026110', '20260229T000000', '20261122T020710Z', '20261122T020710.1a',
      'x0261122T020710', '20261122T020710.1234567890123456789a', '20261122T020710.12 ', '20261122T020710.-1']) {
      assert.throws(() => msFromTimestamp(bad), MalformedMessageError, bad);
    }
    assert.equal(msFromTimestamp('20240229T000000'), Date.UTC(2024, 1, 29));
  });
});

describe('timestampFromMs / nowTimestamp', () => {
  it('formats like sr3: trailing zeros trimmed, at least one fraction digit', () => {
    assert.equal(timestampFromMs(T0), '20261122T020710.0');
    assert.equal(timestampFromMs(T0 + 779), '20261122T020710.779');
    assert.equal(timestampFromMs(T0 + 613.125), '20261122T020710.613125');
    assert.equal(timestampFromMs(Date.UTC(1999, 11, 31, 23, 59, 59) + 999.9999999), '20000101T000000.0');
  });
  it('round-trips through msFromTimestamp to the microsecond', () => {
    for (let i = 0; i < 1000; i++) {
      const ms = T0 + Math.random() * 1e10;
      assert.ok(Math.abs(msFromTimestamp(timestampFromMs(ms)) - ms) < 1e-3);
    }
  });
  it('now is close to Date.now() and in v03 form', () => {
    const ts = nowTimestamp();
    assert.match(ts, /^\d{8}T\d{6}\.\d{1,9}$/);
    assert.ok(Math.abs(msFromTimestamp(ts) - Date.now()) < 1000);
  });
  it('converts between the forms', () => {
    assert.equal(toV02Time('20261122T020710.5'), '20261122020710.5');
    assert.equal(toV03Time('20261122020710.5'), '20261122T020710.5');
    assert.equal(toV03Time('20261122T020710.5'), '20261122T020710.5');
    assert.equal(toV02Time('20261122020710.5'), '20261122020710.5');
    for (const frac of ['', '.', '.779', '.743412733', '.00693535805', '.000411987305', '.23977661e-05']) {
      assert.equal(toV02Time('20261203T074937' + frac), '20261203074937' + frac, 'the fraction is kept as written');
      assert.equal(toV03Time('20261203074937' + frac), '20261203T074937' + frac);
    }
  });
});
