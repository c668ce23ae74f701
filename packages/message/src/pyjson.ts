// JSON text exactly as Python's json.dumps(obj) writes it (sr3's v03 bodies): ", " / ": " separators,
// ensure_ascii escaping, insertion key order, Python float repr.

// Characters Python emits raw under ensure_ascii: printable ASCII except '"' and '\'.
const NEEDS_ESCAPE = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;

const SHORT: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r', 34: '\\"', 92: '\\\\' };
const HEX = '0123456789abcdef';

/** A string literal as Python json.dumps(ensure_ascii=True) writes it. */
function pyString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  let out = '"';
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 34 && c !== 92) continue;
    if (run < i) out += s.slice(run, i);
    run = i + 1;
    const short = SHORT[c];
    // astral characters are already UTF-16 surrogate pairs in JS: each unit escaped, as Python does
    out += short ?? '\\u' + HEX[(c >> 12) & 15] + HEX[(c >> 8) & 15] + HEX[(c >> 4) & 15] + HEX[c & 15];
  }
  if (run < s.length) out += s.slice(run);
  return out + '"';
}

/** A number as Python writes it: ints in full, floats with repr() (shortest round-trip, 1e-05, 1e+16). */
function pyNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  // JSON.parse keeps no int/float distinction: exact integers are written as Python ints; integral
  // values beyond 2^53 have lost their digits anyway and are written as Python floats.
  if (Number.isSafeInteger(n)) return String(n);
  // Python repr switches to exponent form below 1e-4 and from 1e16; JS String() at 1e-7 / 1e21.
  const [mant, expStr] = n.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 16) {
    const sign = exp < 0 ? '-' : '+';
    const e = Math.abs(exp);
    return mant + 'e' + sign + (e < 10 ? '0' + e : String(e));
  }
  return String(n);
}

// Escaped object keys: a notice has a dozen keys that repeat in every message, so escaping each once
// saves a regex test per key (bounded so random user field names cannot grow it without limit).
const KEY_CACHE = new Map<string, string>();
const KEY_CACHE_MAX = 4096;

function pyKey(k: string): string {
  let e = KEY_CACHE.get(k);
  if (e === undefined) {
    e = pyString(k);
    if (KEY_CACHE.size < KEY_CACHE_MAX) KEY_CACHE.set(k, e);
  }
  return e;
}

function pyObject(o: Record<string, unknown>): string {
  const keys = Object.keys(o);
  let out = '{';
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = o[k];
    if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
    out += (first ? '' : ', ') + pyKey(k) + ': ' + pyDumps(x);
    first = false;
  }
  return out + '}';
}

/** Python json.dumps(value) of a JSON-compatible value; `undefined` object members are skipped. */
export function pyDumps(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return pyString(v);
    case 'number':
      return pyNumber(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'object': {
      if (v === null) return 'null';
      if (Array.isArray(v)) {
        if (v.length === 0) return '[]';
        let out = '[';
        for (let i = 0; i < v.length; i++) out += (i ? ', ' : '') + pyDumps(v[i] === undefined ? null : v[i]);
        return out + ']';
      }
      if (Buffer.isBuffer(v)) return pyString(v.toString('utf8'));
      return pyObject(v as Record<string, unknown>);
    }
    default:
      return 'null';
  }
}
