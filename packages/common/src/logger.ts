// The structured logger: winston carries each line to its transports (a rotated file in sr3's line format, stderr or
// stdout, syslog/journald), laid out once as text (sr3's line, or a Python logFormat) or JSON (logJson).
import winston from 'winston';
import { compileLogFormat, defaultLine, jsonLine, type LogRecord } from './log-format.js';
import { MESSAGE, RotatingFileTransport, StdioTransport, type Info } from './log-transports.js';
import { parseSyslogTarget, SyslogTransport } from './log-syslog.js';
import { redact } from './secrets.js';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'critical';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warning: 30, error: 40, critical: 50 };

/** The level a configuration's logLevel names ('warn' is warning, 'none' critical; anything else unknown: info). */
export function logLevelOf(name: string | undefined): LogLevel {
  const l = (name ?? 'info').toLowerCase();
  if (l === 'warn') return 'warning';
  if (l === 'none') return 'critical';
  return Object.hasOwn(RANK, l) ? (l as LogLevel) : 'info';
}
/** winston's levels, most severe first. */
const WINSTON_LEVELS = { critical: 0, error: 1, warning: 2, info: 3, debug: 4 };

export interface LoggerOptions {
  /** Minimum level written. @default 'info' */
  level?: LogLevel;
  /** Log file path; absent means stderr (stdout with `stdout`). */
  file?: string;
  /** Without `file`: write to standard output instead of standard error (sr3 `logStdout`). @default false */
  stdout?: boolean;
  /** Permission of the log file. @default 0o600 */
  mode?: number;
  /** Rotate when the file is older than this many seconds (sr3 logRotateInterval). @default 86400 */
  rotateInterval?: number;
  /** Rotated files kept (sr3 logRotateCount). @default 5 */
  rotateCount?: number;
  /** Python logging format of each line (sr3 logFormat), checked by the option's parser. @default sr3's line */
  format?: string;
  /** One JSON object a line instead of the text line, on the same stream (logJson). @default false */
  json?: boolean;
  /** Also send every line to syslog/journald: a datagram socket path or udp://host[:port] (logSyslog). */
  syslog?: string;
}

/** Where a logger's lines go: one winston logger shared by a logger and its children. */
interface Core {
  write(level: LogLevel, name: string, message: string): void;
  end(): Promise<void>;
}

function winstonCore(options: LoggerOptions): Core {
  const layout = options.json ? jsonLine : options.format ? compileLogFormat(options.format) : defaultLine;
  const line = winston.format((info) => {
    (info as Info)[MESSAGE] = layout(info as unknown as LogRecord);
    return info;
  });
  const transports: winston.transport[] = [options.file
    ? new RotatingFileTransport(options.file, options.mode ?? 0o600, options.rotateInterval ?? 86400, options.rotateCount ?? 5)
    : new StdioTransport(options.stdout ? process.stdout : process.stderr)];
  if (options.syslog) transports.push(new SyslogTransport(parseSyslogTarget(options.syslog)));
  const w = winston.createLogger({ levels: WINSTON_LEVELS, level: 'debug', format: line(), transports, exitOnError: false });
  w.on('error', (err: Error) => process.stderr.write(`log: ${err.message}\n`));
  let closing: Promise<void> | undefined;
  return {
    write(level, name, message) {
      if (!closing) w.log({ level, message, name, time: Date.now() });
    },
    end() {
      closing ??= new Promise<void>((resolve) => {
        let left = transports.length;
        for (const t of transports) t.once('finish', () => { if (--left === 0) resolve(); });
        w.end();
      });
      return closing;
    },
  };
}

/** A logger bound to a name (`component/config:instance`); children add to the name. */
export class Logger {
  private readonly rank: number;
  private constructor(
    private readonly core: Core,
    readonly level: LogLevel,
    readonly name: string,
  ) {
    this.rank = RANK[level];
  }

  static create(name: string, options: LoggerOptions = {}): Logger {
    return new Logger(winstonCore(options), options.level ?? 'info', name);
  }

  /** A logger writing nowhere (tests, quiet tools). */
  static silent(): Logger {
    return new Logger({ write() {}, async end() {} }, 'critical', 'silent');
  }

  child(suffix: string): Logger {
    return new Logger(this.core, this.level, `${this.name} ${suffix}`);
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.rank;
  }

  /** The one place a line is made: below the level nothing is done; passwords are redacted for every transport. */
  private log(level: LogLevel, message: string): void {
    if (RANK[level] >= this.rank) this.core.write(level, this.name, redact(message));
  }

  debug(message: string): void { this.log('debug', message); }
  info(message: string): void { this.log('info', message); }
  warning(message: string): void { this.log('warning', message); }
  error(message: string): void { this.log('error', message); }
  critical(message: string): void { this.log('critical', message); }

  /** Flushes every transport and closes them (a line logged after is dropped); call before exit. */
  close(): Promise<void> {
    return this.core.end();
  }
}
