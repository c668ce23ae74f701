// Log line layouts: Python logging format strings (sr3 `logFormat`) compiled once, and the JSON-lines record (`logJson`).

/** One log record as every layout sees it (the message already redacted). */
export interface LogRecord {
  /** Milliseconds since the epoch. */
  time: number;
  level: string;
  name: string;
  message: string;
}

/** Python's numeric levels (`%(levelno)d`). */
const LEVELNO: Record<string, number> = { debug: 10, info: 20, warning: 30, error: 40, critical: 50 };
const STARTED = Date.now();

/** `2026-12-03 15:03:02.123`: UTC, the time stamp of every sarra-ts log line. */
function logTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** The fields of Python's LogRecord sarra-ts can fill; the others (funcName, lineno, thread ...) are refused. */
const FIELDS: Record<string, (r: LogRecord) => string | number> = {
  asctime: (r) => logTime(r.time),
  created: (r) => r.time / 1000,
  msecs: (r) => r.time % 1000,
  relativeCreated: (r) => r.time - STARTED,
  levelname: (r) => r.level.toUpperCase(),
  levelno: (r) => LEVELNO[r.level] ?? 0,
  name: (r) => r.name,
  message: (r) => r.message,
  process: () => process.pid,
  processName: () => 'MainProcess',
};

const SPEC = /%(?:\((\w+)\)([-#0 +]*)(\d*)(?:\.(\d+))?([sdifr])|%)/g;

/** The reason a Python format string cannot be honoured, or undefined (for the option's parser: refused with file:line). */
export function logFormatError(fmt: string): string | undefined {
  const rest = fmt.replace(SPEC, (all, field: string | undefined) => (field === undefined || field in FIELDS ? '' : all));
  const bad = /%\((\w+)\)/.exec(rest);
  if (bad) return `%(${bad[1]}) cannot be filled by sarra-ts (it can: ${Object.keys(FIELDS).join(', ')})`;
  if (rest.includes('%')) return `'${rest.slice(rest.indexOf('%'), rest.indexOf('%') + 6)}...' is not a %(name)s field`;
  return undefined;
}

function pad(text: string, flags: string, width: string): string {
  const w = Number(width || 0);
  if (text.length >= w) return text;
  if (flags.includes('-')) return text.padEnd(w);
  return text.padStart(w, flags.includes('0') && /^-?[\d.]+$/.test(text) ? '0' : ' ');
}

/** Compiles a checked Python format string into a function from record to line (without the newline). */
export function compileLogFormat(fmt: string): (r: LogRecord) => string {
  const parts: ((r: LogRecord) => string)[] = [];
  let last = 0;
  for (const m of fmt.matchAll(SPEC)) {
    const text = fmt.slice(last, m.index);
    parts.push(() => text);
    last = m.index + m[0].length;
    const [, field, flags = '', width = '', prec, conv] = m;
    if (field === undefined) { parts.push(() => '%'); continue; }
    const get = FIELDS[field]!;
    parts.push((r) => {
      const v = get(r);
      let s: string;
      if (conv === 'd' || conv === 'i') s = String(Math.trunc(Number(v)));
      else if (conv === 'f') s = Number(v).toFixed(prec === undefined ? 6 : Number(prec));
      else s = prec === undefined ? String(v) : String(v).slice(0, Number(prec));
      return pad(s, flags, width);
    });
  }
  const tail = fmt.slice(last);
  parts.push(() => tail);
  return (r) => parts.map((p) => p(r)).join('');
}

/** sr3's default line, as sarra-ts writes it: `2026-12-03 15:03:02.123 [INFO] subscribe/x:01 message`. */
export function defaultLine(r: LogRecord): string {
  return `${logTime(r.time)} [${r.level.toUpperCase()}] ${r.name} ${r.message}`;
}

/** `logJson`: one JSON object a line, in place of the text line on the same stream. */
export function jsonLine(r: LogRecord): string {
  return JSON.stringify({ time: new Date(r.time).toISOString(), level: r.level, name: r.name, pid: process.pid, message: r.message });
}
