// Per-message `${...}` substitution (directory, rename, post_baseDir...): dates in UTC, message fields, regex groups.
import { parseDuration } from '@sarra/common';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function dayOfYear(d: Date): number {
  return Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
}

/** Minimal strftime (UTC): %Y %y %m %d %H %M %S %j %%; other directives are copied. */
export function strftime(format: string, ms: number): string {
  const d = new Date(ms);
  return format.replace(/%([YymdHMSj%])/g, (_w, c: string) => {
    switch (c) {
      case 'Y': return pad(d.getUTCFullYear(), 4);
      case 'y': return pad(d.getUTCFullYear() % 100);
      case 'm': return pad(d.getUTCMonth() + 1);
      case 'd': return pad(d.getUTCDate());
      case 'H': return pad(d.getUTCHours());
      case 'M': return pad(d.getUTCMinutes());
      case 'S': return pad(d.getUTCSeconds());
      case 'j': return pad(dayOfYear(d), 3);
      default: return '%';
    }
  });
}

const DATE_VARS: Record<string, string> = {
  YYYYMMDDHH: '%Y%m%d%H', YYYYMMDD: '%Y%m%d', YYYY: '%Y', MM: '%m', DD: '%d', HH: '%H', JJJ: '%j',
};

const ALIASES: Record<string, string> = {
  DR: 'BD', PDR: 'PBD', baseUrlPath: 'BUP', BUP: 'baseUrlPath', baseUrlPathLast: 'BUPL', BUPL: 'baseUrlPathLast',
};

/** Offset text (`-1h`, `+70m`, `-30`) to milliseconds; undefined if not a duration. */
function offsetMs(text: string): number | undefined {
  try {
    return parseDuration(text) * 1000;
  } catch {
    return undefined;
  }
}

/**
 * Expand per-message variables in `template`:
 * `${YYYYMMDD}` `${YYYY}` `${MM}` `${DD}` `${HH}` `${JJJ}` `${YYYYMMDDHH}` (v2 offsets `${YYYYMMDD-70m}` accepted),
 * strftime `${%Y%m%d}` with offset prefix `${%o-1h%Y%m%d}`; any name in `vars` (SOURCE, BD, PBD, BUP, BUPL,
 * regex groups 0, 1, ...), with DR/PDR/baseUrlPath/baseUrlPathLast as aliases.
 * Times are UTC: `now` (ms, default Date.now()) plus `timeOffset` seconds (the varTimeOffset option).
 * Unknown names are LEFT AS WRITTEN (`${X}` stays), so a caller can detect them; nothing throws.
 */
export function expandVars(
  template: string,
  vars: Record<string, string | undefined>,
  now: number = Date.now(),
  timeOffset = 0,
): string {
  if (!template.includes('${')) return template;
  const base = now + timeOffset * 1000;
  return template.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
    const direct = vars[name] ?? (ALIASES[name] !== undefined ? vars[ALIASES[name]] : undefined);
    if (direct !== undefined) return direct;
    if (name.startsWith('%')) {
      const o = /^%o([+-]?\d+(?:\.\d+)?[smhdwSMHDW]?)(.*)$/.exec(name);
      if (o) {
        const off = offsetMs(o[1]!);
        return off === undefined ? whole : strftime(o[2]!, base + off);
      }
      return strftime(name, base);
    }
    const dv = /^(YYYYMMDDHH|YYYYMMDD|YYYY|MM|DD|HH|JJJ)(?:([+-]\d+(?:\.\d+)?[smhdw]?))?$/.exec(name);
    if (dv) {
      const off = dv[2] ? offsetMs(dv[2]) : 0;
      return off === undefined ? whole : strftime(DATE_VARS[dv[1]!]!, base + off);
    }
    return whole;
  });
}
