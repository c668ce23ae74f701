// Value parsers for each option kind, plus the special sr3/v2 value forms (sum flags, `on` for nodupe_ttl).
import { parseCount, parseDuration, parseFlag, parseOctal, parseSize, splitHostList } from '@sarra/common';
import type { OptionKind, OptionSpec, SpecExtra, TableSpec, ValueContext } from './types.js';

/**
 * Shorthand to declare one option of the table. Generic so the `Options` type can be derived from the
 * table (options-type.ts): the name stays a literal, the value type follows the kind, or `parse`'s result.
 */
export function opt<const N extends string, K extends OptionKind, D, P = never>(
  name: N,
  kind: K,
  dflt: D,
  doc: string,
  extra: SpecExtra<P> = {},
): TableSpec<N, K, D, P> {
  return { name, kind, default: dflt, doc, synonyms: [], ...extra } as TableSpec<N, K, D, P>;
}

/**
 * sr3 (credentials.get): an amqp(s) URL without a user means user `anonymous`, so `amqps://dd.weather.gc.ca/`
 * is `amqps://anonymous@dd.weather.gc.ca/`, and the exchange (xpublic), queue (q_anonymous.…) and
 * `${BROKER_USER}` follow from it. Other schemes are left as written.
 */
function withAnonymousUser(url: string): string {
  const m = /^(amqps?:\/\/)([^/?#]*)(.*)$/is.exec(url);
  if (!m || m[2] === '' || m[2]!.includes('@')) return url;
  return `${m[1]}anonymous@${m[2]}${m[3]}`;
}

/** `None` (any case) resets a value in sr3. */
export function isNone(v: string): boolean {
  return v.trim().toLowerCase() === 'none';
}

/**
 * Parse a scalar value of a kind. Lists and sets are handled by the parser (they accumulate).
 * Throws Error with a reason on bad input.
 */
export function parseScalar(spec: OptionSpec, value: string, ctx: ValueContext): unknown {
  if (spec.parse) return spec.parse(value, ctx);
  switch (spec.kind) {
    case 'count':
      return isNone(value) ? 0 : parseCount(value);
    case 'size':
      return isNone(value) ? 0 : parseSize(value);
    case 'duration':
      return isNone(value) ? 0 : parseDuration(value);
    case 'flag':
      return parseFlag(value);
    case 'float': {
      if (isNone(value)) return 0;
      const n = Number(value.trim());
      if (value.trim() === '' || !Number.isFinite(n)) throw new Error(`not a number: '${value}'`);
      return n;
    }
    case 'octal':
      return isNone(value) ? 0 : parseOctal(value);
    case 'url': {
      if (isNone(value) || value.trim() === '') return undefined;
      const v = value.trim();
      if (!/^[a-z][a-z0-9+.-]*:/i.test(v)) throw new Error(`not a URL: '${value}'`);
      if (!v.includes('${')) {
        // an amqp(s) broker may name several nodes of one cluster (`amqp://u@h1:5673,h2:5674/`): each must be a URL
        const hosts = /^amqps?:/i.test(v) ? splitHostList(v) : [v];
        try {
          for (const h of hosts) if (!new URL(h).hostname && hosts.length > 1) throw new Error('no host');
        } catch {
          throw new Error(hosts.length > 1 ? `not a URL: '${value}' (a host of its list is empty or malformed)` : `not a URL: '${value}'`);
        }
      }
      return withAnonymousUser(v);
    }
    case 'str': {
      if (isNone(value)) return undefined;
      const v = value.trim();
      if (spec.choices && !spec.choices.includes(v)) {
        throw new Error(`'${v}' is not one of ${spec.choices.join(', ')}`);
      }
      return v;
    }
    default:
      throw new Error(`kind ${spec.kind} is not a scalar`);
  }
}

const SUM_FLAGS: Record<string, string> = { d: 'md5', s: 'sha512', n: 'md5name', '0': 'random', r: 'random', a: 'arbitrary' };
const IDENTITY_METHODS = new Set(['sha512', 'md5', 'md5name', 'random', 'arbitrary', 'none']);

/** identity / v2 `sum`: sr3 names, or v2 flags d s n 0 r a, `z,x` -> `cod,x`. */
export function parseIdentity(value: string): string {
  const v = value.trim();
  if (isNone(v)) return 'none';
  const one = (m: string): string => {
    const name = SUM_FLAGS[m] ?? m;
    if (!IDENTITY_METHODS.has(name)) throw new Error(`unknown identity method '${m}'`);
    return name;
  };
  const cod = /^(cod|z),(.+)$/.exec(v);
  if (cod) return `cod,${one(cod[2]!.trim())}`;
  return one(v);
}

/** nodupe_ttl: a duration, or a flag (`on`/True = 300 s, `off`/False/None = 0). */
export function parseNodupeTtl(value: string): number {
  const v = value.trim().toLowerCase();
  if (v === '' || ['on', 'true', 'yes'].includes(v)) return 300;
  if (['off', 'false', 'no', 'none'].includes(v)) return 0;
  return parseDuration(value);
}

/** strip: a count of leading path elements, or a regex removed from the path. */
export function parseStrip(value: string): number | string {
  const v = value.trim();
  if (isNone(v)) return 0;
  return /^\d+$/.test(v) ? Number(v) : v;
}

/**
 * inflight: `.tmp`-style suffix, `.` prefix, `dir/` subdir, a number (= fileAgeMin seconds), or `None`
 * (kept as the string 'None': write the final name directly; inflightPath treats it so).
 */
export function parseInflight(value: string): string | number {
  const v = value.trim();
  if (isNone(v) || v === '') return 'None';
  if (/^\d+(\.\d+)?[smhdw]?$/i.test(v)) return parseDuration(v);
  return v;
}

/** tlsRigour: lax, normal or strict, any case (sr3 lowercases it); `medium`, the name sr3's documentation uses, is normal. */
export function parseTlsRigour(value: string): 'lax' | 'normal' | 'strict' {
  const v = value.trim().toLowerCase();
  if (v === 'medium' || v === 'normal' || isNone(v)) return 'normal';
  if (v === 'lax' || v === 'strict') return v;
  throw new Error(`'${value.trim()}' is not one of lax, medium (normal), strict`);
}

/** Sleep may be negative (-1 = one-shot post). */
export function parseSleep(value: string): number {
  return isNone(value) ? 0 : parseDuration(value);
}
