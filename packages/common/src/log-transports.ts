// winston transports of the log lines: a standard stream, and a file rotated as sr3's TimedRotatingFileHandler does.
import { createWriteStream, type WriteStream } from 'node:fs';
import { chmod, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import Transport from 'winston-transport';

/** winston's formatted line: triple-beam's MESSAGE symbol (a global symbol, no import needed). */
export const MESSAGE = Symbol.for('message');

/** A winston info object once formatted. */
export type Info = Record<string | symbol, unknown>;

/** Resolves once what was written to `out` has been handed to the OS. */
function drained(out: NodeJS.WritableStream & { writableLength: number }): Promise<void> {
  return new Promise((resolve) => {
    if (out.writableLength === 0) resolve();
    else out.write('', () => resolve());
  });
}

/** Lines kept at the bottom of a terminal (sr post's progress), by stream: each log line clears it, then it is drawn again. */
const statusLines = new Map<NodeJS.WriteStream, () => void>();

/** Keeps `redraw`'s line under the log lines written to `out`; returns the function that lets it go. */
export function holdStatusLine(out: NodeJS.WriteStream, redraw: () => void): () => void {
  statusLines.set(out, redraw);
  return () => { statusLines.delete(out); };
}

/** stderr (foreground), or stdout (`logStdout`): nothing to rotate, nothing to close; flushed at the end. */
export class StdioTransport extends Transport {
  constructor(private readonly out: NodeJS.WriteStream) {
    super();
  }
  override log(info: Info, next: () => void): void {
    const redraw = statusLines.get(this.out);
    // over a status line: erase it (carriage return, erase line), write the log line, draw it again below
    this.out.write(`${redraw ? '\r\x1b[K' : ''}${info[MESSAGE] as string}\n`);
    redraw?.();
    next();
  }
  /** Called by the stream once every line before it was handed to log(): waits for the OS to have them. */
  override _final(done: () => void): void {
    void drained(this.out).then(() => done());
  }
}

/**
 * sr3's rotated-file suffix for an interval (Python TimedRotatingFileHandler): by day `.2026-12-03`, by hour
 * `.2026-12-03_15`, by minute `.2026-12-03_15-04`, otherwise `.2026-12-03_15-04-05` (UTC, as the lines).
 */
export function rotatedSuffix(intervalSeconds: number, startMs: number): string {
  const t = new Date(startMs).toISOString();
  const day = t.slice(0, 10);
  const [h, m, s] = [t.slice(11, 13), t.slice(14, 16), t.slice(17, 19)];
  if (intervalSeconds % 86400 === 0) return day;
  if (intervalSeconds % 3600 === 0) return `${day}_${h}`;
  if (intervalSeconds % 60 === 0) return `${day}_${h}-${m}`;
  return `${day}_${h}-${m}-${s}`;
}

const SUFFIX = /^\d{4}-\d{2}-\d{2}(?:_\d{2}(?:-\d{2}(?:-\d{2})?)?)?$/;

/**
 * Appends lines to `path`; once the file is older than the interval it becomes `path.<suffix>` (rotatedSuffix) and
 * a new file starts; the `count` newest rotated files are kept (sr3 logRotateInterval / logRotateCount).
 */
export class RotatingFileTransport extends Transport {
  private stream: WriteStream;
  private opened = Date.now();
  private rotating: Promise<void> | undefined;
  constructor(
    private readonly path: string,
    private readonly mode: number,
    private readonly interval: number,
    private readonly count: number,
  ) {
    super();
    this.stream = this.open();
    stat(path).then((s) => { this.opened = s.birthtimeMs || s.ctimeMs; }, () => {});
  }
  private open(): WriteStream {
    const s = createWriteStream(this.path, { flags: 'a', mode: this.mode });
    s.on('error', (err) => process.stderr.write(`log file ${this.path}: ${err.message}\n`));
    chmod(this.path, this.mode).catch(() => {});
    return s;
  }
  override log(info: Info, next: () => void): void {
    const line = `${info[MESSAGE] as string}\n`;
    // as Python's handler: a line finding the file too old goes to the new one
    if (!this.rotating && Date.now() - this.opened > this.interval * 1000) {
      this.rotating = this.rotate().finally(() => { this.rotating = undefined; });
    }
    if (!this.rotating) {
      this.stream.write(line);
      next();
      return;
    }
    // the stream holds the lines after this one until next() is called: they stay in order
    void this.rotating.then(() => { this.stream.write(line); next(); });
  }
  private async rotate(): Promise<void> {
    const old = this.stream;
    await new Promise<void>((r) => old.end(r));
    if (this.count > 0) await rename(this.path, `${this.path}.${rotatedSuffix(this.interval, this.opened)}`).catch(() => {});
    else await unlink(this.path).catch(() => {});
    const prefix = `${basename(this.path)}.`;
    const rotated = (await readdir(dirname(this.path)).catch(() => [] as string[]))
      .filter((n) => n.startsWith(prefix) && SUFFIX.test(n.slice(prefix.length))).sort();
    for (const n of rotated.slice(0, Math.max(0, rotated.length - this.count))) await unlink(join(dirname(this.path), n)).catch(() => {});
    this.stream = this.open();
    this.opened = Date.now();
  }
  override _final(done: () => void): void {
    void Promise.resolve(this.rotating).then(() => this.stream.end(done));
  }
}
