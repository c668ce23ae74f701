// FTP ASCII type (TYPE A, sr3's `ascii` credentials detail): text travels as NVT-ASCII lines ending CRLF (RFC 959
// section 3.1.1.1); on the local side lines end LF. These convert each way, a CR split across chunks included.
import { Transform } from 'node:stream';

const CR = 13, LF = 10;

/** Network to local: each CRLF becomes LF (a lone CR is kept). */
export function fromNetworkText(): Transform {
  let heldCr = false;
  return new Transform({
    transform(chunk: Buffer, _enc, cb): void {
      const out = Buffer.allocUnsafe(chunk.length + 1);
      let n = 0;
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i]!;
        if (heldCr) {
          heldCr = false;
          if (b !== LF) out[n++] = CR;
        }
        if (b === CR) heldCr = true;
        else out[n++] = b;
      }
      cb(null, out.subarray(0, n));
    },
    flush(cb): void {
      cb(null, heldCr ? Buffer.from([CR]) : null);
    },
  });
}

/** Local to network: each LF not already after a CR becomes CRLF. */
export function toNetworkText(): Transform {
  let lastCr = false;
  return new Transform({
    transform(chunk: Buffer, _enc, cb): void {
      const out = Buffer.allocUnsafe(chunk.length * 2);
      let n = 0;
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i]!;
        if (b === LF && !lastCr) out[n++] = CR;
        out[n++] = b;
        lastCr = b === CR;
      }
      cb(null, out.subarray(0, n));
    },
  });
}
