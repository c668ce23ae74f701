// byteRateMax: one byte budget per instance, shared by every transfer in flight (downloads and sends).
import { Transform, type Readable } from 'node:stream';
import { abortableSleep } from './pace.js';

/**
 * A byte-rate bound (sr3's `byteRateMax`, bytes per second) shared by the transfers of one instance: sr3 moves one
 * file at a time, so its per-transfer throttle bounds the instance; here several transfers run at once and share
 * this one budget. Each chunk reserves its slot in time (`reserve`) and is passed on once its slot is over, so
 * whatever the number of transfers the bytes moved by time T never exceed rate x elapsed.
 */
export class ByteRateLimiter {
  /** When the budget is next free (ms since the epoch). */
  private free = 0;

  /** @param bytesPerS the bound, bytes per second (> 0) @param now the clock (ms), for tests */
  constructor(readonly bytesPerS: number, private readonly now: () => number = Date.now) {}

  /** Reserves `n` bytes; returns how long (ms) to wait before they count as moved: the end of their slot. */
  reserve(n: number): number {
    const t = this.now();
    this.free = Math.max(this.free, t) + (n * 1000) / this.bytesPerS;
    return this.free - t;
  }

  /** `src` paced to the budget: each chunk waits for its reservation (a stop ends the wait at once). */
  throttle(src: Readable, signal?: AbortSignal): Readable {
    const out = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        const wait = this.reserve(chunk.length);
        if (wait <= 0) { cb(null, chunk); return; }
        void abortableSleep(wait, signal).then(() => cb(null, chunk));
      },
    });
    src.once('error', (e: unknown) => out.destroy(e as Error));
    out.once('close', () => { if (!src.destroyed) src.destroy(); });
    return src.pipe(out);
  }
}

/** The instance's limiter for `byteRateMax` (bytes/s), or undefined when it is 0 (off). */
export function byteRateLimiter(byteRateMax: number): ByteRateLimiter | undefined {
  return byteRateMax > 0 ? new ByteRateLimiter(byteRateMax) : undefined;
}
