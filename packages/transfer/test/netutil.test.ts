// Unit tests: pump() settles exactly once for success, errors on either side, early close and abort.
import assert from 'node:assert/strict';
import { PassThrough, Readable, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { TransientError } from '@sarra/common';
import { pump } from '../src/netutil.js';

function sink(opts: { failAt?: number } = {}): Writable & { got: Buffer[] } {
  const got: Buffer[] = [];
  const w = new Writable({
    write(chunk: Buffer, _e, cb) {
      if (opts.failAt !== undefined && got.length === opts.failAt) { cb(new Error('disk full')); return; }
      got.push(chunk);
      cb();
    },
  });
  return Object.assign(w, { got });
}

describe('pump', () => {
  it('moves every chunk and resolves on finish', async () => {
    const w = sink();
    await pump(Readable.from([Buffer.from('a'), Buffer.from('b')]), w);
    assert.equal(Buffer.concat(w.got).toString(), 'ab');
  });
  it('rejects on a source error and destroys the sink', async () => {
    async function* bad(): AsyncGenerator<Buffer> { yield Buffer.from('a'); throw new Error('read failed'); }
    const w = sink();
    await assert.rejects(pump(Readable.from(bad()), w), /read failed/);
    assert.ok(w.destroyed);
  });
  it('rejects on a sink error and destroys the source', async () => {
    const src = Readable.from([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')]);
    await assert.rejects(pump(src, sink({ failAt: 1 })), /disk full/);
    assert.ok(src.destroyed);
  });
  it('rejects when the source closes before its end', async () => {
    const src = new PassThrough();
    const p = pump(src, sink());
    src.write('partial');
    src.destroy();
    await assert.rejects(p, (e: unknown) => e instanceof TransientError && e.code === 'ERR_STREAM_PREMATURE_CLOSE');
  });
  it('rejects on abort, also when already aborted', async () => {
    const ac = new AbortController();
    const src = new PassThrough();
    const p = pump(src, sink(), ac.signal);
    ac.abort();
    await assert.rejects(p, (e: unknown) => e instanceof TransientError && e.code === 'ERR_ABORTED');
    assert.ok(src.destroyed);
    await assert.rejects(pump(new PassThrough(), sink(), ac.signal), TransientError);
  });
});
