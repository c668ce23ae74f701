// Parsing of sr3 option value kinds: durations, sizes/counts, flags, octal modes. Pure functions.

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Parse an sr3 duration (`30`, `1.5`, `5m`, `2h`, `7d`, `1w`) into seconds. Throws on garbage. */
export function parseDuration(text: string): number {
  const m = /^\s*([+-]?\d+(?:\.\d*)?|[+-]?\.\d+)\s*([smhdwSMHDW]?)\s*$/.exec(text);
  if (!m) throw new Error(`not a duration: '${text}' (expected a number with optional s, m, h, d or w)`);
  const unit = m[2] ? m[2].toLowerCase() : 's';
  return Number(m[1]) * DURATION_UNITS[unit]!;
}

/**
 * Parse an sr3 size or count: `100`, `4k`, `10m`, `1g`; a trailing `b` or `i` (`4kb`, `4ki`)
 * means powers of 1024, a bare suffix means powers of 1000 as in sr3 counts; sizes use 1024.
 */
export function parseSize(text: string, base: 1000 | 1024 = 1024): number {
  const m = /^\s*(\d+(?:\.\d*)?)\s*([kKmMgGtT]?)([bBiI]?)\s*$/.exec(text);
  if (!m) throw new Error(`not a size: '${text}' (expected a number with optional k, m, g or t)`);
  const b = m[3] ? 1024 : base;
  const exp = { '': 0, k: 1, m: 2, g: 3, t: 4 }[m[2]!.toLowerCase()]!;
  return Math.round(Number(m[1]) * b ** exp);
}

/** Parse a count: like a size with powers of 1000 unless `b`/`i` is given; the error says a count is expected. */
export function parseCount(text: string): number {
  try {
    return parseSize(text, 1000);
  } catch {
    throw new Error(`not a count: '${text}' (expected a whole number such as 2; k, m, g or t multiply by 1000)`);
  }
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0', 'none']);

/** Parse an sr3 flag; an empty value means true. */
export function parseFlag(text: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === '' || TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  throw new Error(`not a flag: '${text}' (expected true/false, yes/no, on/off)`);
}

/** Parse an octal permission (`644`, `0o644`, `0644`). */
export function parseOctal(text: string): number {
  const t = text.trim().replace(/^0o/i, '');
  if (!/^[0-7]{1,4}$/.test(t)) throw new Error(`not an octal mode: '${text}'`);
  return parseInt(t, 8);
}
