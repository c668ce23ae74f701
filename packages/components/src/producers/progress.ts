// `sr post` of a tree on a terminal: files, bytes, rate and ETA on one line under the log (cli-progress); nothing when
// standard error is not a TTY (a pipe, a file, cron, an instance started by sr start).
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type * as CliProgress from 'cli-progress';
import { holdStatusLine } from '@sarra/common';
import type { FlowHook, Worklist } from '@sarra/flow';

/** 1536 -> `1.5 KiB`. */
function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i ? n.toFixed(1) : String(n)} ${units[i]}`;
}

/** Files and bytes under `paths` (regular files, symlinks not followed); counted beside the posting, for the ETA. */
async function countTree(paths: readonly string[], found: (size: number) => void): Promise<void> {
  const visit = async (p: string): Promise<void> => {
    const st = await lstat(p).catch(() => undefined);
    if (st?.isFile()) found(st.size);
    else if (st?.isDirectory()) {
      for (const e of await readdir(p).catch(() => [] as string[])) await visit(join(p, e));
    }
  };
  for (const p of paths) await visit(p);
}

/** The hook drawing the line; posted files and bytes are counted from each posted notice's size. */
class ProgressHook implements FlowHook {
  readonly name = 'progress';
  private readonly bar: CliProgress.SingleBar;
  private files = 0;
  private bytes = 0;
  private totalFiles = 0;
  private totalBytes = 0;
  private counted = false;
  private readonly started = Date.now();
  private release?: () => void;
  private counting: Promise<void> = Promise.resolve();

  constructor(cli: typeof CliProgress, private readonly paths: readonly string[], private readonly out: NodeJS.WriteStream) {
    this.bar = new cli.SingleBar({
      stream: out, hideCursor: false, clearOnComplete: false, etaBuffer: 50, fps: 5, forceRedraw: true,
      format: 'posting [{bar}] {value}/{total} files | {done}/{all} | {rate}/s | ETA {eta_formatted}',
    }, cli.Presets.legacy);
  }

  private payload(): Record<string, string> {
    const secs = Math.max(0.001, (Date.now() - this.started) / 1000);
    return { done: bytes(this.bytes), all: this.counted ? bytes(this.totalBytes) : `${bytes(this.totalBytes)}+`, rate: bytes(Math.round(this.bytes / secs)) };
  }

  onStart(): void {
    this.bar.start(0, 0, this.payload());
    this.release = holdStatusLine(this.out, () => this.bar.render());
    this.counting = countTree(this.paths, (size) => {
      this.totalFiles++;
      this.totalBytes += size;
    }).then(() => { this.counted = true; this.bar.setTotal(Math.max(this.totalFiles, this.files)); });
  }

  afterPost(wl: Worklist): void {
    for (const it of wl.ok) {
      if (it.notice.size === undefined) continue;
      this.files++;
      this.bytes += it.notice.size;
    }
    this.bar.setTotal(Math.max(this.totalFiles, this.files));
    this.bar.update(this.files, this.payload());
  }

  /** The last line: the totals once counted (a short walk, the tree was just posted). */
  async onStop(): Promise<void> {
    await this.counting;
    this.release?.();
    this.bar.update(this.files, this.payload());
    this.bar.stop();
  }
}

/**
 * Progress of `sr post` for these paths when `out` (standard error) is a terminal; undefined otherwise. cli-progress
 * (4 MB of RSS) is loaded only then, so no daemon carries it.
 */
export async function postProgress(paths: readonly string[], out: NodeJS.WriteStream = process.stderr): Promise<FlowHook | undefined> {
  if (!out.isTTY) return undefined;
  // a CommonJS module: its exports object is the default export
  const cli = ((await import('cli-progress')) as unknown as { default: typeof CliProgress }).default;
  return new ProgressHook(cli, paths, out);
}
