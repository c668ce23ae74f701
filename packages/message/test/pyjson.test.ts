// v03 JSON text must equal Python json.dumps output; expected strings produced by CPython 3 json.dumps.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pyDumps } from '@sarra/message';

describe('pyDumps matches Python json.dumps', () => {
  it('separators and nesting', () => {
    assert.equal(pyDumps({ a: 1, b: [1, 2, { c: null }], d: {}, e: [], f: true, g: false }),
      '{"a": 1, "b": [1, 2, {"c": null}], "d": {}, "e": [], "f": true, "g": false}');
  });
  it('ensure_ascii escapes (non-ASCII, astral surrogate pairs, DEL, controls, quote, backslash)', () => {
    // python3 -c 'import json; print(json.dumps({"a": "é😀\x7f\x00/\"\\\b\f\n\r\t\x1f~ 日"}))'
    assert.equal(pyDumps({ a: 'é😀\x7f\x00/"\\\b\f\n\r\t\x1f~ 日' }),
      '{"a": "\\u00e9\\ud83d\\ude00\\u007f\\u0000/\\"\\\\\\b\\f\\n\\r\\t\\u001f~ \\u65e5"}');
  });
  it('keys are escaped too and keep insertion order', () => {
    assert.equal(pyDumps({ z: 1, 'é': 2, a: 3 }), '{"z": 1, "\\u00e9": 2, "a": 3}');
  });
  it('numbers: ints in full, floats as Python repr', () => {
    // python3 -c 'import json; print(json.dumps([2.5, 1e-05, 1.5e+16, 0.0001, 0.1, -1.25e-07, 1.5e+300, -3, 4096]))'
    assert.equal(pyDumps([2.5, 1e-5, 1.5e16, 0.0001, 0.1, -1.25e-7, 1.5e300, -3, 4096]),
      '[2.5, 1e-05, 1.5e+16, 0.0001, 0.1, -1.25e-07, 1.5e+300, -3, 4096]');
    assert.equal(pyDumps(1e21), '1e+21');
    assert.equal(pyDumps(2 ** 53 - 1), '9007199254740991');
    assert.equal(pyDumps(-0.5), '-0.5');
  });
});
