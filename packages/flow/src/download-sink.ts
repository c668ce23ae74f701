// Reading a download body: small bodies collected into one Buffer (one write), large ones read (or copied)
// into 1 MiB blocks written with positioned fs.write on a raw fd while the checksum runs (inline or on the
// hash worker).
import { close, constants as C, open, unlink, write } from 'node:fs';
import type { Readable } from 'node:stream';
import { SarraError, TransientError } from '@sarra/common';
import { copyInto, type ReadTarget } from '@sarra/transfer';
import { createHash, type Hash } from 'node:crypto';
import { WorkerHash } from './download-hash.js';

/** Block size of large downloads: one write() syscall and one hash message per block. */
const BLOCK = 1 << 20;
/** Blocks in flight (hashing or writing) before the source is paused: bounds memory at 16 MiB per download. */
const MAX_BLOCKS = 16;

/**
 * Opens a new file for writing with `mode` applied at creation: 'wx' first; a leftover (a crashed earlier
 * attempt, an older copy) is removed and the file created afresh, so its old mode never survives.
 */
function openFresh(path: string, mode: number, cb: (err: NodeJS.ErrnoException | null, fd: number) => void): void {
  open(path, 'wx', mode, (e, fd) => {
    if (!e || e.code !== 'EEXIST') { cb(e, fd); return; }
    unlink(path, (ue) => {
      if (ue && ue.code !== 'ENOENT') { cb(ue, -1); return; }
      open(path, 'wx', mode, cb);
    });
  });
}

function abortError(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new SarraError('ERR_ABORTED', 'download aborted');
}

function premature(): Error {
  return new TransientError('connection closed before the whole body arrived', { code: 'ERR_PREMATURE_CLOSE' });
}

/**
 * Reads the whole body of `src` into memory. Stops reading after more than `limit` bytes (the caller sees
 * `bytes > limit`: a size mismatch) without buffering the excess. Rejects with the stream's raw error, a
 * premature-close TransientError, or the abort reason.
 */
export function collectBody(src: Readable, limit: number, signal: AbortSignal): Promise<{ buf: Buffer; bytes: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0, settled = false;
    const done = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      src.removeListener('data', onData);
      if (err !== undefined) { src.destroy(); reject(err); return; }
      resolve({ buf: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, Math.min(bytes, limit)), bytes });
    };
    const onAbort = (): void => done(abortError(signal));
    const onData = (c: Buffer): void => {
      bytes += c.length;
      if (bytes > limit) { src.destroy(); done(); return; }
      chunks.push(c);
    };
    if (signal.aborted) { done(abortError(signal)); return; }
    signal.addEventListener('abort', onAbort, { once: true });
    src.on('data', onData);
    src.once('end', () => done());
    src.once('error', (e: unknown) => done(e));
    src.once('close', () => { if (!settled) done(premature()); });
  });
}

/**
 * The 1 MiB blocks of a large download, filled straight from the socket by a driver that takes a ReadTarget,
 * or by copying the 'data' chunks of one that does not. Each full block (and the partial last one, at
 * flush()) goes to the consumer attached; blocks filled before it attached wait for it.
 */
export class BlockFill implements ReadTarget {
  bytes = 0;
  resume?: () => void;
  private cur?: Buffer;
  private curLen = 0;
  private readonly free: ArrayBuffer[] = [];
  private readonly waiting: Buffer[] = [];
  private onBlock?: (block: Buffer) => boolean;

  space(): Uint8Array {
    if (!this.cur) {
      const ab = this.free.pop();
      this.cur = ab ? Buffer.from(ab) : Buffer.allocUnsafeSlow(BLOCK);
      this.curLen = 0;
    }
    return this.cur.subarray(this.curLen);
  }

  landed(n: number): boolean {
    this.bytes += n;
    this.curLen += n;
    return this.curLen === BLOCK ? this.emit() : true;
  }

  /** Hands on the partial last block: the body ended. */
  flush(): void { if (this.curLen > 0) this.emit(); }

  /** A block back from its write, for reuse. */
  recycle(block: Buffer): void {
    if (block.byteOffset === 0 && block.buffer.byteLength === BLOCK && this.free.length < MAX_BLOCKS) this.free.push(block.buffer as ArrayBuffer);
  }

  /** Attaches the consumer: `onBlock` returns false to stop reading until `resume` is called. */
  attach(onBlock: (block: Buffer) => boolean): void {
    this.onBlock = onBlock;
    let more = true;
    for (const b of this.waiting.splice(0)) more = onBlock(b);
    if (more) this.resume?.();
  }

  private emit(): boolean {
    const block = this.curLen === BLOCK ? this.cur! : this.cur!.subarray(0, this.curLen);
    this.cur = undefined;
    this.curLen = 0;
    if (this.onBlock) return this.onBlock(block);
    // no consumer yet: hold a bounded number of blocks, then stop reading until it attaches
    this.waiting.push(block);
    return this.waiting.length < MAX_BLOCKS;
  }
}

/** What a streamed download produced. */
export interface SinkResult { bytes: number; value?: string }

/**
 * Streams `src` into a new file at `path` (mode `mode`, truncated), or with `append` (bytes) into the existing
 * file from that offset (a resumed download: `bytes` counts the new ones), hashing with `method` in the same pass
 * (on the worker thread when `offThread`). The bytes come through `fill` (given to the driver as its
 * ReadTarget) or as 'data' chunks. Rejects with the first error (raw stream/fs error, premature close,
 * abort reason) after every pending write finished and the fd is closed; the caller removes the file.
 */
export function streamToFile(src: Readable, path: string, opts: { method?: 'sha512' | 'md5'; offThread: boolean; mode: number; signal: AbortSignal; fill?: BlockFill; append?: number }): Promise<SinkResult> {
  return new Promise((resolve, reject) => {
    let fd = -1;
    let opening = true;
    let failure: unknown;
    let ended = false, finishing = false;
    const start = opts.append ?? 0;
    let pos = start;        // file offset of the next block handed out
    let inFlight = 0;       // blocks hashing or writing (back-pressure, and what success waits for)
    let writing = 0;        // fs.write calls pending (what a failure waits for before closing the fd)
    let paused = false;
    const fill = opts.fill ?? new BlockFill();
    const pendingOpen: Buffer[] = [];
    const inline: Hash | undefined = opts.method && !opts.offThread ? createHash(opts.method) : undefined;
    let wh: WorkerHash | undefined;
    const { signal } = opts;

    const fail = (e: unknown): void => {
      if (failure === undefined) failure = e;
      src.destroy();
      inFlight -= pendingOpen.splice(0).length;
      settle();
    };
    const onAbort = (): void => fail(abortError(signal));
    const settle = (): void => {
      if (opening || finishing || writing > 0) return;
      if (failure === undefined && (!ended || inFlight > 0)) return;
      finishing = true;
      signal.removeEventListener('abort', onAbort);
      const closeThen = (next: () => void): void => {
        if (fd < 0) { next(); return; }
        close(fd, (e) => { if (e && failure === undefined) failure = e; next(); });
      };
      if (failure !== undefined) {
        wh?.drop();
        closeThen(() => reject(failure));
        return;
      }
      const hashDone: Promise<string | undefined> = wh ? wh.final() : Promise.resolve(inline?.digest('base64'));
      hashDone.then(
        (value) => closeThen(() => (failure !== undefined ? reject(failure) : resolve({ bytes: fill.bytes, value }))),
        (e: unknown) => { failure ??= e; closeThen(() => reject(failure)); },
      );
    };
    const writeBlock = (buf: Buffer, at: number): void => {
      writing++;
      write(fd, buf, 0, buf.length, at, (e) => {
        writing--;
        if (e) failure ??= e;
        fill.recycle(buf);
        inFlight--;
        if (paused && inFlight <= MAX_BLOCKS / 2 && failure === undefined) { paused = false; src.resume(); fill.resume?.(); }
        settle();
      });
    };
    // blocks come back from the worker in the order they were sent, each with its file offset known by seq
    const offsets = new Map<number, number>();
    if (opts.method && opts.offThread) {
      wh = new WorkerHash(opts.method, (ab, len, seq) => {
        const at = offsets.get(seq)!;
        offsets.delete(seq);
        if (fd < 0 || failure !== undefined) { inFlight--; settle(); return; }
        writeBlock(Buffer.from(ab, 0, len), at);
      }, (e) => fail(e));
    }
    const dispatch = (buf: Buffer): void => {
      const at = pos;
      pos += buf.length;
      inFlight++;
      if (fd < 0) { pendingOpen.push(buf); return; }
      send(buf, at);
    };
    const send = (buf: Buffer, at: number): void => {
      if (wh) {
        try {
          // every block owns its ArrayBuffer (allocUnsafeSlow or recycled): it moves to the worker, no copy
          offsets.set(wh.update(buf.buffer as ArrayBuffer, buf.length), at);
        } catch (e: unknown) { inFlight--; fail(e); }
        return;
      }
      inline?.update(buf);
      writeBlock(buf, at);
    };
    if (signal.aborted) { reject(abortError(signal)); return; }
    signal.addEventListener('abort', onAbort, { once: true });
    fill.attach((block) => {
      dispatch(block);
      if (inFlight >= MAX_BLOCKS) paused = true;
      return !paused;
    });
    src.on('data', (c: Buffer) => { if (!copyInto(fill, c)) src.pause(); });
    src.once('end', () => {
      fill.flush();
      ended = true;
      settle();
    });
    src.once('error', (e: unknown) => fail(e));
    src.once('close', () => { if (!ended) fail(premature()); });
    const opened = (e: NodeJS.ErrnoException | null, got: number): void => {
      opening = false;
      if (e) { fail(e); return; }
      fd = got;
      if (failure !== undefined) { settle(); return; }
      let at = start;
      for (const b of pendingOpen.splice(0)) {
        const here = at;
        at += b.length; // before send(): a block sent to the worker is detached (length 0)
        send(b, here);
      }
      settle();
    };
    if (start > 0) open(path, C.O_WRONLY | C.O_NOFOLLOW, opened);
    else openFresh(path, opts.mode, opened);
  });
}
