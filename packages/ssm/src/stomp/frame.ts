// STOMP 1.2 frames: encoder and an incremental decoder (heart-beat EOLs, content-length bodies, header
// escaping). Pure: no I/O.
import { PermanentError } from '@sarra/common';

/** One STOMP frame. Header names and values are unescaped; the first of a repeated header wins (1.2). */
export interface Frame {
  command: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** A frame the peer sent that breaks STOMP 1.2: the connection must close. */
export class StompProtocolError extends PermanentError {
  constructor(reason: string) {
    super(`STOMP: ${reason}`, { code: 'ERR_STOMP_PROTOCOL' });
  }
}

const NO_ESCAPE = new Set(['CONNECT', 'CONNECTED']);
const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/:/g, '\\c');
const unesc = (s: string) => s.replace(/\\(.)/g, (m, c: string) => {
  const r = ({ '\\': '\\', r: '\r', n: '\n', c: ':' } as Record<string, string>)[c];
  if (r === undefined) throw new StompProtocolError(`bad header escape ${m}`);
  return r;
});

/** Encodes a frame; a body always gets a content-length (so NULs and any bytes pass). */
export function encodeFrame(f: Frame): Buffer {
  const plain = NO_ESCAPE.has(f.command);
  let head = `${f.command}\n`;
  for (const [k, v] of Object.entries(f.headers)) head += plain ? `${k}:${v}\n` : `${esc(k)}:${esc(v)}\n`;
  if (f.body.length || !plain && f.command === 'SEND') head += `content-length:${f.body.length}\n`;
  return Buffer.concat([Buffer.from(`${head}\n`, 'utf8'), f.body, Buffer.from([0])]);
}

/**
 * Feeds bytes in, gets frames out. `maxFrame` bounds one frame's size (bytes).
 * @default maxFrame 64 MiB
 */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly maxFrame = 64 << 20) {}

  /** Appends `chunk`; returns every whole frame now available (heart-beat EOLs are skipped). */
  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Frame[] = [];
    for (;;) {
      let i = 0;
      while (i < this.buf.length && (this.buf[i] === 0x0a || this.buf[i] === 0x0d)) i++;
      if (i) this.buf = this.buf.subarray(i);
      const headEnd = this.findHeadEnd();
      if (headEnd < 0) {
        if (this.buf.length > this.maxFrame) throw new StompProtocolError('frame headers too large');
        return out;
      }
      const head = this.buf.subarray(0, headEnd).toString('utf8').split(/\r?\n/);
      const bodyStart = headEnd + (this.buf[headEnd] === 0x0d ? 4 : 2);
      const command = head[0]!;
      const headers: Record<string, string> = {};
      const plain = NO_ESCAPE.has(command);
      for (const line of head.slice(1)) {
        const c = line.indexOf(':');
        if (c < 0) throw new StompProtocolError(`header line without a colon: ${line.slice(0, 40)}`);
        const k = plain ? line.slice(0, c) : unesc(line.slice(0, c));
        if (!(k in headers)) headers[k] = plain ? line.slice(c + 1) : unesc(line.slice(c + 1));
      }
      let bodyEnd: number;
      if (headers['content-length'] !== undefined) {
        const n = Number(headers['content-length']);
        if (!Number.isInteger(n) || n < 0 || n > this.maxFrame) throw new StompProtocolError(`bad content-length ${headers['content-length']}`);
        if (this.buf.length < bodyStart + n + 1) return out;
        bodyEnd = bodyStart + n;
        if (this.buf[bodyEnd] !== 0) throw new StompProtocolError('frame body not followed by NUL');
      } else {
        bodyEnd = this.buf.indexOf(0, bodyStart);
        if (bodyEnd < 0) {
          if (this.buf.length > this.maxFrame) throw new StompProtocolError('frame too large');
          return out;
        }
      }
      out.push({ command, headers, body: Buffer.from(this.buf.subarray(bodyStart, bodyEnd)) });
      this.buf = this.buf.subarray(bodyEnd + 1);
    }
  }

  private findHeadEnd(): number {
    const lf = this.buf.indexOf('\n\n');
    const crlf = this.buf.indexOf('\r\n\r\n');
    if (lf < 0) return crlf;
    if (crlf < 0) return lf;
    return Math.min(lf, crlf);
  }
}
