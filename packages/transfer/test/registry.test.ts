// Unit tests: the scheme registry, error classification and the pool's keying/sharing (file: driver, no servers).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { ConnectionLostError, PermanentError, TransientError } from '@sarra/common';
import { TransferPool, classifyError, openTransfer, poolKey, supportedSchemes } from '@sarra/transfer';

describe('registry', () => {
  it('lists the built-in schemes', () => {
    assert.deepEqual(supportedSchemes().sort(), ['file', 'ftp', 'ftps', 'http', 'https', 'sftp']);
  });
  it('refuses an unknown scheme with PermanentError 503', async () => {
    await assert.rejects(openTransfer('gopher://host/x'), (e: unknown) => {
      assert.ok(e instanceof PermanentError);
      assert.equal(e.reportCode, 503);
      assert.match(e.message, /unsupported transfer scheme 'gopher'/);
      return true;
    });
  });
  it('refuses a URL that does not parse, without echoing a password', async () => {
    await assert.rejects(openTransfer('not a url'), (e: unknown) => e instanceof PermanentError && e.reportCode === 503);
  });
  it('opens http without I/O and refuses writes with 503', async () => {
    const t = await openTransfer('http://127.0.0.1:9/');
    assert.equal(t.scheme, 'http');
    await assert.rejects(t.putStream('x', Readable.from([])), (e: unknown) => e instanceof PermanentError && e.reportCode === 503);
    await assert.rejects(t.mkdirp('x'), (e: unknown) => e instanceof PermanentError && e.reportCode === 503);
    await t.close();
  });
});

describe('classifyError', () => {
  it('maps errno and sftp codes', () => {
    const c = (code: unknown): Error => classifyError(Object.assign(new Error('x'), { code }), 'op');
    assert.ok(c('ENOENT') instanceof PermanentError);
    assert.equal((c('ENOENT') as PermanentError).reportCode, 404);
    assert.equal((c(2) as PermanentError).reportCode, 404);
    assert.ok(c('EACCES') instanceof PermanentError);
    assert.ok(c('ECONNREFUSED') instanceof ConnectionLostError);
    assert.ok(c('ECONNRESET') instanceof ConnectionLostError);
    assert.ok(c(7) instanceof ConnectionLostError);
    assert.ok(c('ENOSPC') instanceof TransientError);
    assert.ok(c(4) instanceof TransientError);
    assert.ok(classifyError(new Error('No response from server'), 'op') instanceof ConnectionLostError);
    assert.match(c('ENOENT').message, /^op: x$/);
  });
});

describe('file driver and pool', () => {
  let dir = '';
  after(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });
  it('round-trips through file: with mkdirp, rename, symlink, list, remove', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sarra-file-'));
    const t = await openTransfer(`file://${dir}`);
    await t.mkdirp('a/b');
    await t.putStream('a/b/x.tmp', Readable.from([Buffer.from('hello '), Buffer.from('world')]));
    await t.rename('a/b/x.tmp', 'a/b/x');
    assert.equal(await readFile(join(dir, 'a/b/x'), 'utf8'), 'hello world');
    let got = '';
    for await (const c of await t.getStream('a/b/x', { offset: 6 })) got += String(c);
    assert.equal(got, 'world');
    await t.symlink('x', 'a/b/l');
    await t.symlink('x', 'a/b/l'); // replacing an existing link is fine
    const list = (await t.list('a/b')).sort((p, q) => p.name.localeCompare(q.name));
    assert.deepEqual(list.map((e) => [e.name, e.size, e.isLink]), [['l', 1, true], ['x', 11, false]]);
    assert.equal((await t.stat('a/b/x'))?.size, 11);
    assert.equal(await t.stat('a/b/missing'), undefined);
    await assert.rejects(t.getStream('a/b/missing'), (e: unknown) => e instanceof PermanentError && e.reportCode === 404);
    await t.remove('a/b/x');
    await t.remove('a/b/x'); // idempotent
    await t.remove('a/b/l');
    await t.rmdir('a/b');
    assert.deepEqual(await t.list('a'), []);
  });
  it('pool shares one open per remote, fills credentials, and reopens after drop', async () => {
    assert.equal(poolKey('sftp://u:pw@h:2222/x/y'), 'sftp://u@h:2222');
    assert.equal(poolKey('sftp://u@h:2222/other'), 'sftp://u@h:2222');
    assert.equal(poolKey('sftp://u@H/x'), poolKey('sftp://u@h:22/y'));
    assert.equal(poolKey('https://h/x'), 'https://@h:443');
    assert.notEqual(poolKey('sftp://a@h/'), poolKey('sftp://b@h/'));
    let lookups = 0;
    const pool = new TransferPool({ credentials: { lookup: (u) => { lookups++; return { url: u, details: { bt: 'x' } }; } } });
    const [a, b] = await Promise.all([pool.get('file:///tmp/a'), pool.get('file:///tmp/b')]);
    assert.equal(a, b);
    assert.equal(lookups, 1);
    await pool.drop('file:///tmp');
    const c = await pool.get('file:///tmp');
    assert.notEqual(c, a);
    await assert.rejects(pool.get('gopher://h/'), PermanentError);
    assert.equal(pool.size, 1); // the failed open is not cached
    await pool.closeAll();
    assert.equal(pool.size, 0);
  });
});
