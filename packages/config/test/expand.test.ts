// Per-message variable expansion with a fixed clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandVars } from '@sarra/config';

// 2024-01-29T17:43:56Z, day 029
const NOW = Date.UTC(2024, 0, 29, 17, 43, 56);

describe('expandVars', () => {
  it('date variables in UTC', () => {
    assert.equal(expandVars('/d/${YYYYMMDD}/${YYYY}-${MM}-${DD}T${HH}/${JJJ}', {}, NOW), '/d/20240129/2024-01-29T17/029');
  });

  it('strftime form and offsets (%o, v2 YYYYMMDD-70m, varTimeOffset)', () => {
    assert.equal(expandVars('${%Y%m%d%H%M%S}', {}, NOW), '20240129174356');
    assert.equal(expandVars('${%o-1h%Y%m%d%H}', {}, NOW), '2024012916');
    assert.equal(expandVars('${%o-18h%Y%m%d}', {}, NOW), '20240128');
    assert.equal(expandVars('${YYYYMMDD-70m}/${HH-70m}', {}, Date.UTC(2024, 0, 1, 0, 30)), '20231231/23');
    assert.equal(expandVars('${YYYYMMDD}', {}, NOW, -18 * 3600), '20240128');
  });

  it('message variables, aliases and regex groups', () => {
    const vars = { SOURCE: 'WXO-DD', BD: '/base', PBD: '/pub', BUP: '/a/b', BUPL: 'b', '0': 'whole', '1': 'CXCK' };
    assert.equal(
      expandVars('${PBD}/${SOURCE}/${1}/${0}|${DR}|${PDR}|${baseUrlPath}|${baseUrlPathLast}|${BD}', vars, NOW),
      '/pub/WXO-DD/CXCK/whole|/base|/pub|/a/b|b|/base',
    );
  });

  it('unknown variables are left as written', () => {
    assert.equal(expandVars('/x/${NOPE}/${2}/${YYYYMMDD}', { '1': 'a' }, NOW), '/x/${NOPE}/${2}/20240129');
    assert.equal(expandVars('no vars', {}, NOW), 'no vars');
  });
});
