// Where a stream consumer resumes: RabbitMQ streams keep their messages and, over AMQP 0-9-1, no consumer
// position, so the gatherer remembers the first offset not yet acked, in the state directory.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { describeError, mkdirp, type Logger } from '@sarra/common';
import { dirname } from 'node:path';

/** Minimum ms between two writes of the offset file while acks arrive (a crash re-reads at most this much). */
const SAVE_EVERY_MS = 1000;

/**
 * The read position of one stream queue. `delivered(n)` when a message at offset n is handed to the flow,
 * `acked(n)` once it is acked (done, rejected, or safely in the retry queue). `next()` is where reading must
 * resume after a reconnect or restart: the lowest offset handed over and not yet acked, else one past the
 * highest seen: nothing is skipped (unacked messages are read again, as a classic queue redelivers them).
 */
export class StreamPosition {
  private readonly pending = new Map<number, number>();
  private highest = -1;
  private saved: number | undefined;
  private dirty = false;
  private lastSave = 0;
  private saving: Promise<void> | undefined;

  /** @param file where the position is kept (absent: start from the stream's first retained message). */
  constructor(private readonly file: string, private readonly log: Logger, private readonly now: () => number = Date.now) {}

  /** Reads the saved position (undefined when none was saved). */
  async load(): Promise<number | undefined> {
    try {
      const n = Number((await readFile(this.file, 'utf8')).trim());
      if (Number.isSafeInteger(n) && n >= 0) {
        this.saved = n;
        this.highest = n - 1;
      }
    } catch {
      // no position yet: a new stream, or cleaned up
    }
    return this.saved;
  }

  /** The x-stream-offset to (re)start at: the saved or tracked position, else 'first' (everything the stream holds). */
  resumeAt(): number | 'first' {
    return this.highest < 0 && this.pending.size === 0 ? 'first' : this.next();
  }

  /** The first offset not yet acked. */
  next(): number {
    let low = Infinity;
    for (const n of this.pending.keys()) if (n < low) low = n;
    return Number.isFinite(low) ? low : this.highest + 1;
  }

  delivered(offset: number): void {
    this.pending.set(offset, (this.pending.get(offset) ?? 0) + 1);
    if (offset > this.highest) this.highest = offset;
  }

  acked(offset: number): void {
    const c = this.pending.get(offset);
    if (c === undefined) return;
    if (c > 1) this.pending.set(offset, c - 1);
    else this.pending.delete(offset);
    this.dirty = true;
    if (this.now() - this.lastSave >= SAVE_EVERY_MS) void this.save();
  }

  /** Writes the position if it moved (atomically: a temporary file renamed). Never throws. */
  async save(): Promise<void> {
    if (this.saving) await this.saving;
    if (!this.dirty) return;
    this.dirty = false;
    this.lastSave = this.now();
    const n = this.next();
    if (n === this.saved) return;
    this.saving = (async () => {
      try {
        await mkdirp(dirname(this.file));
        const tmp = `${this.file}.${process.pid}.tmp`;
        await writeFile(tmp, `${n}\n`);
        await rename(tmp, this.file);
        this.saved = n;
      } catch (err: unknown) {
        this.dirty = true;
        this.log.warning(`stream position ${this.file}: ${describeError(err)}`);
      }
    })();
    await this.saving;
    this.saving = undefined;
  }
}
