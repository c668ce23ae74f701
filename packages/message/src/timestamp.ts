// sr3 timestamps: "YYYYMMDDTHHMMSS.fraction" (v03) and "YYYYMMDDHHMMSS.fraction" (v02), always UTC.

import { MalformedMessageError } from '@sarra/common';

const C0 = 48; // '0'

function digits(ts: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = ts.charCodeAt(i) - C0;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * Milliseconds since the epoch (may carry a sub-millisecond fraction) of an sr3 timestamp.
 * Accepts the v03 form (with `T`) and the v02 form (without), any number of fraction digits (sr3 means
 * nine significant digits, `'{:.9g}'` of the fraction, so a fraction with leading zeros is 11 or 12 digits
 * long: `.000411987305`), an empty or missing fraction, and sr3's rare float-formatting quirk
 * `.23977661e-05` (a fraction in exponent form). Digits past the 15th cannot change a double and are
 * only checked to be digits.
 * @throws MalformedMessageError naming what is wrong.
 */
export function msFromTimestamp(ts: string): number {
  if (typeof ts !== 'string') throw new MalformedMessageError(`timestamp is not a string: ${typeof ts}`);
  const t = ts.length > 8 && ts.charCodeAt(8) === 84 /* T */ ? 1 : 0;
  const end = 14 + t;
  if (ts.length < end) throw new MalformedMessageError(`bad timestamp ${JSON.stringify(ts)}: too short`);
  const year = digits(ts, 0, 4);
  const month = digits(ts, 4, 2);
  const day = digits(ts, 6, 2);
  const hour = digits(ts, 8 + t, 2);
  const minute = digits(ts, 10 + t, 2);
  const second = digits(ts, 12 + t, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 60) {
    throw new MalformedMessageError(`bad timestamp ${JSON.stringify(ts)}: not YYYYMMDD[T]HHMMSS`);
  }
  // checked by table rather than a Date object: this runs three times per decoded message
  if (day > 28 && day > daysInMonth(year, month)) {
    throw new MalformedMessageError(`bad timestamp ${JSON.stringify(ts)}: no such date`);
  }
  const base = (daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second) * 1000;
  if (ts.length === end) return base;
  if (ts.charCodeAt(end) !== 46 /* . */) {
    throw new MalformedMessageError(`bad timestamp ${JSON.stringify(ts)}: junk after seconds`);
  }
  const n = ts.length - end - 1;
  if (n === 0) return base;
  let f = 0;
  let i = end + 1;
  const significant = end + 1 + MAX_FRACTION_DIGITS;
  for (; i < ts.length; i++) {
    const d = ts.charCodeAt(i) - C0;
    if (d < 0 || d > 9) break;
    if (i < significant) f = f * 10 + d;
  }
  if (i === ts.length) return base + (f / POW10[Math.min(n, MAX_FRACTION_DIGITS)]!) * 1000;
  // exponent quirk: ".23977661e-05" is Python's str() of a tiny float, i.e. 0.23977661e-05 s
  const frac = ts.slice(end + 1);
  if (/^[0-9]{1,17}[eE][+-]?[0-9]{1,3}$/.test(frac)) {
    const v = Number('0.' + frac);
    if (v >= 0 && v < 1) return base + v * 1000;
  }
  throw new MalformedMessageError(`bad timestamp ${JSON.stringify(ts)}: bad fraction`);
}

/** Fraction digits that reach the value: 15 decimal digits always fit a double exactly. */
const MAX_FRACTION_DIGITS = 15;
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
const MONTH_DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil); cheaper than Date.UTC. */
function daysFromCivil(y: number, m: number, d: number): number {
  if (m <= 2) y -= 1;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return MONTH_DAYS[month]!;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/** True when `ts` is a valid sr3 timestamp in either form. */
export function isTimestamp(ts: unknown): boolean {
  if (typeof ts !== 'string') return false;
  try {
    msFromTimestamp(ts);
    return true;
  } catch {
    return false;
  }
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

/**
 * The v03 timestamp of `ms` (epoch milliseconds, sub-millisecond fraction kept to the nanosecond),
 * with trailing zeros of the fraction trimmed like sr3 does (at least one digit: `.0`).
 */
export function timestampFromMs(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`timestampFromMs: not a finite number: ${ms}`);
  const whole = Math.floor(ms / 1000);
  let nanos = Math.round((ms - whole * 1000) * 1e6);
  let secs = whole;
  if (nanos >= 1e9) {
    secs += 1;
    nanos -= 1e9;
  }
  const d = new Date(secs * 1000);
  let frac = pad(nanos, 9).replace(/0+$/, '');
  if (frac === '') frac = '0';
  return (
    pad(d.getUTCFullYear(), 4) + pad(d.getUTCMonth() + 1, 2) + pad(d.getUTCDate(), 2) + 'T' +
    pad(d.getUTCHours(), 2) + pad(d.getUTCMinutes(), 2) + pad(d.getUTCSeconds(), 2) + '.' + frac
  );
}

/** Now as a v03 timestamp, with microsecond resolution where the platform clock gives it. */
export function nowTimestamp(): string {
  const wall = Date.now();
  const fine = performance.timeOrigin + performance.now();
  // performance.now() drifts from the wall clock if the clock is stepped; fall back to whole ms then
  return timestampFromMs(Math.abs(fine - wall) < 1 ? fine : wall);
}

/** The v03 form of a timestamp in either form: the `T` inserted, the fraction kept as written; other strings unchanged. */
export function toV03Time(ts: string): string {
  return ts.length >= 14 && ts.charCodeAt(8) !== 84 ? ts.slice(0, 8) + 'T' + ts.slice(8) : ts;
}

/** The v02 form of a timestamp in either form: the `T` dropped (sr3 never writes one in v02), the fraction kept as written. */
export function toV02Time(ts: string): string {
  return ts.length >= 15 && ts.charCodeAt(8) === 84 ? ts.slice(0, 8) + ts.slice(9) : ts;
}
