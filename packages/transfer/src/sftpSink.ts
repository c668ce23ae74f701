// A Writable onto an open SFTP file handle that keeps several WRITE requests in flight and sends
// CLOSE right behind the last one, so a small file costs two round trips (open; write+close), not three.
import { Writable } from 'node:stream';
import type { SFTPWrapper } from 'ssh2';

/** Bytes per WRITE request: the SFTP draft's guaranteed minimum, safe with every server. */
const PIECE = 32 * 1024;

/**
 * Writes to `handle` from offset 0. Up to `maxInFlight` WRITEs are outstanding; finishing sends CLOSE
 * and waits for every acknowledgement, so 'finish' means the server has accepted and closed the file.
 * Requests on one SFTP channel are processed in order (OpenSSH), so CLOSE cannot overtake a WRITE.
 * On destroy before finish the handle is closed (errors ignored).
 */
export class SftpSink extends Writable {
  private pos = 0;
  private inFlight = 0;
  private failed?: Error;
  private waiting?: (err?: Error | null) => void;
  private drained?: () => void;
  private handleClosed = false;

  private timer?: NodeJS.Timeout;

  /**
   * @param hung called (once) when a request stays unanswered for `timeoutMs`; the sink is then destroyed
   *   with the error it returns (keepalives do not catch an SFTP subsystem stuck on, say, a dead NFS mount).
   */
  constructor(private readonly sftp: SFTPWrapper, private readonly handle: Buffer,
    private readonly opts: { maxInFlight?: number; timeoutMs?: number; hung?: () => Error } = {}) {
    super({ highWaterMark: 256 * 1024 });
  }

  private get maxInFlight(): number {
    return this.opts.maxInFlight ?? 16;
  }

  /** (Re)starts the reply watchdog while requests are outstanding; stops it when none are. */
  private watch(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.inFlight === 0 || !this.opts.timeoutMs || this.destroyed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.destroy(this.opts.hung?.() ?? new Error(`no SFTP reply within ${this.opts.timeoutMs! / 1000} s`));
    }, this.opts.timeoutMs);
  }

  private settle(err: Error | undefined): void {
    this.inFlight--;
    this.watch();
    if (err && !this.failed) this.failed = err;
    if (this.waiting && (this.failed || this.inFlight < this.maxInFlight)) {
      const cb = this.waiting;
      this.waiting = undefined;
      cb(this.failed);
    }
    if (this.inFlight === 0 && this.drained) this.drained();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.failed) { cb(this.failed); return; }
    for (let off = 0; off < chunk.length; off += PIECE) {
      const len = Math.min(PIECE, chunk.length - off);
      this.inFlight++;
      this.sftp.write(this.handle, chunk, off, len, this.pos, (err) => this.settle(err ?? undefined));
      this.pos += len;
    }
    this.watch();
    if (this.inFlight < this.maxInFlight) cb();
    else this.waiting = cb;
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.failed) { this.closeQuietly(); cb(this.failed); return; }
    this.handleClosed = true;
    let closeErr: Error | undefined;
    let closeDone = false;
    let writesDone = this.inFlight === 0;
    let called = false;
    const finish = (): void => {
      if (called || !closeDone || !writesDone) return;
      called = true;
      cb(this.failed ?? closeErr);
    };
    this.inFlight++; // the CLOSE is watched like a write
    this.watch();
    this.sftp.close(this.handle, (err) => { closeErr = err ?? undefined; closeDone = true; this.settle(undefined); finish(); });
    if (!writesDone) this.drained = () => { writesDone = true; finish(); };
  }

  private closeQuietly(): void {
    if (this.handleClosed) return;
    this.handleClosed = true;
    try {
      this.sftp.close(this.handle, () => undefined);
    } catch {
      // channel already gone
    }
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.closeQuietly();
    cb(err);
  }
}
