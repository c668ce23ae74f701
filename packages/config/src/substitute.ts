// Load-time `${VAR}` substitution in config values; per-message variables are left for expandVars.
import { randomInt } from 'node:crypto';

/** Variables resolved per message by expandVars (never at load time). */
const PER_MESSAGE = new Set([
  'YYYYMMDD', 'YYYY', 'MM', 'DD', 'HH', 'JJJ', 'YYYYMMDDHH', 'SOURCE', 'BD', 'PBD', 'DR', 'PDR', 'BUP', 'BUPL',
  'baseUrlPath', 'baseUrlPathLast', 'T1', 'T2', 'A1', 'A2', 'ii', 'CCCC', 'YY', 'GG', 'Gg', 'BBB', 'RYYYY', 'RMM',
  'RDD', 'RHH', 'RMN', 'RSS', 'RJJJ', 'RYY',
]);

/** True for names expandVars owns: the set above, regex groups, strftime forms, v2 `YYYYMMDD-70m` offsets. */
function isPerMessageVar(name: string): boolean {
  return (
    PER_MESSAGE.has(name) ||
    /^\d+$/.test(name) ||
    name.startsWith('%') ||
    /^(YYYYMMDDHH|YYYYMMDD|YYYY|MM|DD|HH|JJJ)[+-]\d+(\.\d+)?[smhdw]?$/.test(name)
  );
}

/** A new 8-digit random number (RAND8 is re-drawn at each evaluation in sr3). */
export function rand8(): string {
  return String(randomInt(0, 100_000_000)).padStart(8, '0');
}

/**
 * Replace `${NAME}` in `value` using `lookup` for every name that is not per-message.
 * Names lookup does not know are left as written and reported through `unknown`.
 */
export function substitute(
  value: string,
  lookup: (name: string) => string | undefined,
  unknown?: (name: string) => void,
): string {
  if (!value.includes('${')) return value;
  return value.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
    if (isPerMessageVar(name)) return whole;
    const v = lookup(name);
    if (v === undefined) {
      unknown?.(name);
      return whole;
    }
    return v;
  });
}
