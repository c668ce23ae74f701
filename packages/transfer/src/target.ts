// Copying into a ReadTarget: for bytes a driver already holds (the rest of a read that carried the response
// head) and for consumers that take a plain stream's 'data' chunks into the same buffers.
import type { ReadTarget } from './types.js';

/** Copies `chunk` into the target's buffers, as many reads would land; false when it asked to stop reading. */
export function copyInto(t: ReadTarget, chunk: Uint8Array): boolean {
  let more = true;
  for (let off = 0; off < chunk.length;) {
    const space = t.space();
    const k = Math.min(space.length, chunk.length - off);
    space.set(chunk.subarray(off, off + k));
    off += k;
    more = t.landed(k) && more;
  }
  return more;
}
