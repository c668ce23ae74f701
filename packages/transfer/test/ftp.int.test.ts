// Integration: the ftp/ftps driver against a real vsftpd on loopback (testkit): streaming round trip with a
// checksum, resume from an offset, listing, mkdirp, rename, remove, rmdir, refusals, explicit and implicit TLS and
// tlsRigour, ASCII type (sr3's `ascii` credentials detail).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { PathEscapeError, PermanentError, TransientError } from '@sarra/common';
import { startVsftpd } from '@sarra/testkit/vsftpd';
import type { VsftpdHandle } from '@sarra/testkit/vsftpd';
import { confinedTransfer, openTransfer } from '@sarra/transfer';
import type { Transfer } from '@sarra/transfer';

async function readAll(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('ftp driver against vsftpd', () => {
  let ftpd: VsftpdHandle;
  let t: Transfer;
  const body = randomBytes(2 * 1024 * 1024 + 13);

  before(async () => {
    ftpd = await startVsftpd();
    await writeFile(join(ftpd.root, 'data.bin'), body);
    t = await openTransfer(ftpd.url, { timeout: 20 });
  });
  after(async () => {
    await t?.close();
    await ftpd?.cleanup();
  });

  it('gets a file whose checksum matches, and from an offset (REST)', async () => {
    assert.equal(sha256(await readAll(await t.getStream('data.bin'))), sha256(body));
    const tail = await readAll(await t.getStream('data.bin', { offset: 1_000_000 }));
    assert.equal(sha256(tail), sha256(body.subarray(1_000_000)));
    assert.equal((await readAll(await t.getStream(join(ftpd.root, 'data.bin'), { offset: body.length - 5 }))).length, 5, 'absolute path');
  });

  it('gets an empty file as an empty stream', async () => {
    await writeFile(join(ftpd.root, 'empty'), '');
    assert.equal((await readAll(await t.getStream('empty'))).length, 0);
  });

  it('puts a stream, mkdirp making every level, and stats it', async () => {
    const up = randomBytes(700_001);
    await t.mkdirp('in/a/b');
    await t.mkdirp('in/a/b'); // known: no round trip, no error
    await t.putStream('in/a/b/up.bin', Readable.from([up.subarray(0, 1000), up.subarray(1000)]));
    assert.equal(sha256(await readFile(join(ftpd.root, 'in/a/b/up.bin'))), sha256(up));
    const st = await t.stat('in/a/b/up.bin');
    assert.equal(st?.size, up.length);
    assert.equal(st?.isDir, false);
    assert.ok(Math.abs((st?.mtime ?? 0) - Date.now()) < 120_000, `mtime ${st?.mtime}`);
    assert.equal((await t.stat('in/a'))?.isDir, true);
    assert.equal(await t.stat('in/nothing'), undefined);
  });

  it('lists a directory with sizes, kinds and times', async () => {
    await mkdir(join(ftpd.root, 'ls/sub'), { recursive: true });
    await writeFile(join(ftpd.root, 'ls/f1'), 'hello');
    const entries = (await t.list('ls')).sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(entries.map((e) => [e.name, e.isDir, e.isDir ? 0 : e.size]), [['f1', false, 5], ['sub', true, 0]]);
    const f1 = entries[0]!;
    assert.ok(Math.abs(f1.mtime - (await stat(join(ftpd.root, 'ls/f1'))).mtimeMs) < 120_000, `mtime ${f1.mtime}`);
    assert.equal(f1.mode, 0o644);
  });

  it('renames over an existing file, removes files and directories (already gone succeeds)', async () => {
    await t.mkdirp('mv');
    await t.putStream('mv/a.tmp', Readable.from([Buffer.from('new')]));
    await t.putStream('mv/a', Readable.from([Buffer.from('old')]));
    await t.rename('mv/a.tmp', 'mv/a');
    assert.equal(await readFile(join(ftpd.root, 'mv/a'), 'utf8'), 'new');
    await t.remove('mv/a');
    await t.remove('mv/a');
    assert.equal(await t.stat('mv/a'), undefined);
    await t.rmdir('mv');
    await t.rmdir('mv');
    assert.equal(await t.stat('mv'), undefined);
  });

  it('a missing file is a 404 PermanentError, and the connection stays usable', async () => {
    await assert.rejects(t.getStream('no/such/file'), (e: unknown) =>
      e instanceof PermanentError && e.reportCode === 404 && e.code === 'ERR_NOT_FOUND');
    await assert.rejects(t.rename('no-such', 'x'), (e: unknown) => e instanceof PermanentError && e.reportCode === 404);
    assert.equal(t.alive, true);
    assert.equal((await readAll(await t.getStream('data.bin', { offset: body.length - 1 }))).length, 1);
  });

  it('refuses symlink with 503; stat is an lstat; a confined view refuses a symlink on the way', async () => {
    await assert.rejects(t.symlink('a', 'b'), (e: unknown) => e instanceof PermanentError && e.reportCode === 503);
    const outside = await mkdtemp(join(tmpdir(), 'sarra-ftp-outside-'));
    await chmod(outside, 0o777); // the ftp user could write there: only the confinement stops it
    try {
      await symlink(outside, join(ftpd.root, 'escape'));
      const st = await t.stat('escape');
      assert.equal(st?.isLink, true);
      const c = confinedTransfer(t, { root: '/', follow: false });
      await assert.rejects(c.putStream('escape/x', Readable.from([Buffer.from('no')])), PathEscapeError);
      await assert.rejects(c.mkdirp('escape/deeper'), PathEscapeError);
      assert.deepEqual(await readdir(outside), [], 'nothing written through the link');
      await c.mkdirp('confined/a');
      await c.putStream('confined/a/f', Readable.from([Buffer.from('yes')]));
      await c.putStream('confined/a/f', Readable.from([Buffer.from('again')]), {}); // an existing regular file: written over
      assert.equal(await readFile(join(ftpd.root, 'confined/a/f'), 'utf8'), 'again');
      await symlink(join(ftpd.root, 'confined/a'), join(ftpd.root, 'inside'));
      const followed = confinedTransfer(t, { root: ftpd.root, follow: true });
      await assert.rejects(followed.putStream(join(ftpd.root, 'escape/y'), Readable.from([Buffer.from('no')])), PathEscapeError);
      await followed.putStream(join(ftpd.root, 'inside/g'), Readable.from([Buffer.from('via a link under the root')]));
      assert.equal(await readFile(join(ftpd.root, 'confined/a/g'), 'utf8'), 'via a link under the root');
      assert.deepEqual(await readdir(outside), []);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('a refused login is a PermanentError naming the user, not the password', async () => {
    const bad = `ftp://${ftpd.user}:wrong-password@127.0.0.1:${ftpd.port}/`;
    await assert.rejects(openTransfer(bad, { timeout: 20 }), (e: unknown) => {
      assert.ok(e instanceof PermanentError, String(e));
      assert.equal(e.code, 'ERR_AUTH');
      assert.match(e.message, /530/);
      assert.doesNotMatch(e.message, /wrong-password/);
      return true;
    });
  });

  it('an abort mid-download cuts the stream and the connection', async () => {
    const t2 = await openTransfer(ftpd.url, { timeout: 20 });
    const ac = new AbortController();
    const s = await t2.getStream('data.bin', { signal: ac.signal });
    ac.abort();
    await assert.rejects(readAll(s));
    assert.equal(t2.alive, false);
    await t2.close();
  });

  it('ftps: explicit TLS with tlsRigour lax; normal rejects the self-signed certificate (retry, not drop)', async () => {
    const s = await openTransfer(ftpd.ftpsUrl, { timeout: 20, tlsRigour: 'lax' });
    try {
      await s.putStream('tls.bin', Readable.from([body]));
      assert.equal(sha256(await readAll(await s.getStream('tls.bin'))), sha256(body));
    } finally {
      await s.close();
    }
    await assert.rejects(openTransfer(ftpd.ftpsUrl, { timeout: 20 }), (e: unknown) =>
      e instanceof TransientError && e.code === 'ERR_TLS');
  });

  it('ascii (credentials detail): TYPE A, text lines arrive and land with LF endings as they were; binary stays the default', async () => {
    const text = 'CACN00 CWAO 161800\nPMN\n\n160,2021,228\n';
    await writeFile(join(ftpd.root, 'note.txt'), text);
    const a = await openTransfer(ftpd.url, { timeout: 20, details: { ascii: 'true' } });
    try {
      assert.equal((await readAll(await a.getStream('note.txt'))).toString(), text);
      await a.putStream('note-up.txt', Readable.from([Buffer.from(text.slice(0, 7)), Buffer.from(text.slice(7))]));
      assert.equal(await readFile(join(ftpd.root, 'note-up.txt'), 'utf8'), text);
      // a CRLF already in the local text stays one line end: the server stores LF (binary would keep the CR)
      await a.putStream('crlf.txt', Readable.from([Buffer.from('a\r\nb\n')]));
      assert.equal(await readFile(join(ftpd.root, 'crlf.txt'), 'utf8'), 'a\nb\n');
      await assert.rejects(a.getStream('note.txt', { offset: 3 }), (e: unknown) => e instanceof PermanentError && e.code === 'ERR_UNSUPPORTED');
    } finally {
      await a.close();
    }
    const log = await ftpd.log();
    assert.match(log, /"TYPE A"/);
    assert.equal((await readAll(await t.getStream('note.txt'))).toString(), text, 'binary');
  });

  it('active mode (credentials detail) is refused: only passive is spoken', async () => {
    await assert.rejects(openTransfer(ftpd.url, { timeout: 20, details: { active: 'true' } }), (e: unknown) =>
      e instanceof PermanentError && e.code === 'ERR_UNSUPPORTED' && /active/.test(e.message));
  });
});

describe('implicit FTPS (credentials detail implicit_ftps) against vsftpd with implicit_ssl', () => {
  let ftpd: VsftpdHandle;
  before(async () => { ftpd = await startVsftpd({ implicitTls: true }); });
  after(async () => { await ftpd?.cleanup(); });

  it('TLS from the first byte: a round trip with tlsRigour lax; plain FTP to that port fails', async () => {
    const body = randomBytes(300_001);
    const s = await openTransfer(ftpd.ftpsUrl, { timeout: 20, tlsRigour: 'lax', details: { implicit_ftps: 'true' } });
    try {
      await s.putStream('implicit.bin', Readable.from([body]));
      assert.equal(sha256(await readAll(await s.getStream('implicit.bin'))), sha256(body));
      assert.deepEqual((await s.list('.')).map((e) => e.name), ['implicit.bin']);
    } finally {
      await s.close();
    }
    assert.equal(sha256(await readFile(join(ftpd.root, 'implicit.bin'))), sha256(body));
    await assert.rejects(openTransfer(ftpd.url, { timeout: 5 }));
  });
});
