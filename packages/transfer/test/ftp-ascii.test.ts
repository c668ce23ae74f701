// FTP ASCII type conversions: CRLF <-> LF, a CR split across chunks, a lone CR kept.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { fromNetworkText, toNetworkText } from '../src/ftp-ascii.js';

async function through(t: NodeJS.ReadWriteStream, chunks: string[]): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of Readable.from(chunks.map((x) => Buffer.from(x, 'latin1'))).pipe(t)) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('latin1');
}

describe('ftp ascii', () => {
  it('network to local: CRLF -> LF, also when the CR ends a chunk; a lone CR, and one at the very end, kept', async () => {
    assert.equal(await through(fromNetworkText(), ['a\r\nb\r', '\nc\rd\r\n\r']), 'a\nb\nc\rd\n\r');
    assert.equal(await through(fromNetworkText(), ['x\r', 'y']), 'x\ry');
  });

  it('local to network: LF -> CRLF, a CRLF already there (even split) left as it is', async () => {
    assert.equal(await through(toNetworkText(), ['a\nb\r', '\nc\n\n']), 'a\r\nb\r\nc\r\n\r\n');
  });
});
