// A small structured logger in sr3's line format, writing to stderr or a rotating file.
// Chosen over winston to keep an instance's idle memory under one sr3 instance (DESIGN.md "Memory").
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, stat, unlink, chmod } from 'node:fs/promises';
import { redact } from './secrets.js';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'critical';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warning: 30, error: 40, critical: 50 };

export interface LoggerOptions {
  /** Minimum level written. @default 'info' */
  level?: LogLevel;
  /** Log file path; absent means stderr (stdout with `stdout`). */
  file?: string;
  /** Without `file`: write to standard output instead of standard error (sr3 `logStdout`). @default false */
  stdout?: boolean;
  /** Permission of the log file. @default 0o600 */
  mode?: number;
  /** Rotate when the file is older than this many seconds. @default 86400 */
  rotateInterval?: number;
  /** Rotated files kept. @default 5 */
  rotateCount?: number;
}

interface Sink {
  write(line: string): void;
  end(): Promise<void>;
}

/** A standard stream (stderr, or stdout for logStdout); nothing to rotate, nothing to close. */
class StdioSink implements Sink {
  constructor(private readonly out: NodeJS.WriteStream) {}
  write(line: string): void {
    this.out.write(line);
  }
  /** Resolves once what was written is handed to the OS (a pipe to a container's log may lag). */
  end(): Promise<void> {
    return new Promise((resolve) => {
      if (this.out.writableLength === 0) resolve();
      else this.out.write('', () => resolve());
    });
  }
}

/** Appends to a file; rotates it (name.1 .. name.N) once it is older than the interval. */
class FileSink implements Sink {
  private stream: WriteStream;
  private opened = Date.now();
  private rotating = false;
  constructor(
    private readonly path: string,
    private readonly mode: number,
    private readonly interval: number,
    private readonly count: number,
  ) {
    this.stream = this.open();
    stat(path).then((s) => { this.opened = s.birthtimeMs || s.ctimeMs; }, () => {});
  }
  private open(): WriteStream {
    const s = createWriteStream(this.path, { flags: 'a', mode: this.mode });
    s.on('error', (err) => process.stderr.write(`log file ${this.path}: ${err.message}\n`));
    chmod(this.path, this.mode).catch(() => {});
    return s;
  }
  write(line: string): void {
    this.stream.write(line);
    if (!this.rotating && Date.now() - this.opened > this.interval * 1000) void this.rotate();
  }
  private async rotate(): Promise<void> {
    this.rotating = true;
    try {
      const old = this.stream;
      await new Promise<void>((r) => old.end(r));
      await unlink(`${this.path}.${this.count}`).catch(() => {});
      for (let i = this.count - 1; i >= 1; i--) await rename(`${this.path}.${i}`, `${this.path}.${i + 1}`).catch(() => {});
      if (this.count > 0) await rename(this.path, `${this.path}.1`).catch(() => {});
      else await unlink(this.path).catch(() => {});
      this.stream = this.open();
      this.opened = Date.now();
    } finally {
      this.rotating = false;
    }
  }
  end(): Promise<void> {
    return new Promise((r) => this.stream.end(r));
  }
}

/** A logger bound to a name (`component/config:instance`); children add to the name. */
export class Logger {
  private readonly rank: number;
  private constructor(
    private readonly sink: Sink,
    readonly level: LogLevel,
    readonly name: string,
  ) {
    this.rank = RANK[level];
  }

  static create(name: string, options: LoggerOptions = {}): Logger {
    const sink = options.file
      ? new FileSink(options.file, options.mode ?? 0o600, options.rotateInterval ?? 86400, options.rotateCount ?? 5)
      : new StdioSink(options.stdout ? process.stdout : process.stderr);
    return new Logger(sink, options.level ?? 'info', name);
  }

  /** A logger writing nowhere (tests, quiet tools). */
  static silent(): Logger {
    return new Logger({ write() {}, async end() {} }, 'critical', 'silent');
  }

  child(suffix: string): Logger {
    return new Logger(this.sink, this.level, `${this.name} ${suffix}`);
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.rank;
  }

  private log(level: LogLevel, message: string): void {
    if (RANK[level] < this.rank) return;
    const ts = new Date().toISOString().replace('T', ' ').replace('Z', '');
    this.sink.write(`${ts} [${level.toUpperCase()}] ${this.name} ${redact(message)}\n`);
  }

  debug(message: string): void { this.log('debug', message); }
  info(message: string): void { this.log('info', message); }
  warning(message: string): void { this.log('warning', message); }
  error(message: string): void { this.log('error', message); }
  critical(message: string): void { this.log('critical', message); }

  /** Flush and close the sink; call before exit. */
  close(): Promise<void> {
    return this.sink.end();
  }
}
