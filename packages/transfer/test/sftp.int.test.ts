// Integration: the sftp driver against a real OpenSSH sshd on loopback (testkit): streaming round trip,
// mkdirp, rename over a file, symlink, listing, host key checks, key auth, outage and pool reconnect.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, mkdtemp, readFile, readlink, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ConnectionLostError, TransientError } from '@sarra/common';
import { startSshd } from '@sarra/testkit/sshd';
import type { SshdHandle } from '@sarra/testkit/sshd';
import { TransferPool, classifyError, openTransfer } from '@sarra/transfer';
import type { Transfer } from '@sarra/transfer';

async function readAll(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('sftp driver against sshd', () => {
  let sshd: SshdHandle;
  let t: Transfer;
  let details: Record<string, string>;

  before(async () => {
    sshd = await startSshd();
    details = { ssh_keyfile: sshd.keyFile, known_hosts: sshd.knownHosts };
    t = await openTransfer(sshd.url, { details });
  });
  after(async () => {
    await t?.close();
    await sshd?.cleanup();
  });

  it('puts and gets a file byte-identical through streams, and resumes from an offset', async () => {
    const body = randomBytes(3 * 1024 * 1024 + 17);
    await t.mkdirp('rt');
    await t.putStream('rt/blob.bin', Readable.from([body.subarray(0, 1000), body.subarray(1000)]));
    assert.deepEqual(await readFile(join(sshd.root, 'rt/blob.bin')), body);
    assert.deepEqual(await readAll(await t.getStream('rt/blob.bin')), body);
    assert.deepEqual(await readAll(await t.getStream('rt/blob.bin', { offset: 2_000_000 })), body.subarray(2_000_000));
  });

  it('puts many small files concurrently on one connection', async () => {
    await t.mkdirp('many');
    await Promise.all(Array.from({ length: 100 }, (_, i) => t.putStream(`many/f${i}`, Readable.from([Buffer.from(`n${i}`)]))));
    const rows = await t.list('many');
    assert.equal(rows.length, 100);
    assert.equal((await readFile(join(sshd.root, 'many/f42'))).toString(), 'n42');
  });

  it('makes nested directories and accepts existing ones (absolute path too)', async () => {
    await t.mkdirp('d1/d2/d3');
    await t.mkdirp('d1/d2/d3');
    await t.mkdirp(join(sshd.root, 'abs/x'));
    assert.ok((await stat(join(sshd.root, 'd1/d2/d3'))).isDirectory());
    assert.ok((await stat(join(sshd.root, 'abs/x'))).isDirectory());
  });

  it('renames over an existing file (in-flight .tmp -> final name)', async () => {
    await t.mkdirp('ren');
    await t.putStream('ren/final', Readable.from([Buffer.from('old')]));
    await t.putStream('ren/final.tmp', Readable.from([Buffer.from('new contents')]));
    await t.rename('ren/final.tmp', 'ren/final');
    assert.equal((await readFile(join(sshd.root, 'ren/final'))).toString(), 'new contents');
    assert.equal(await t.stat('ren/final.tmp'), undefined);
  });

  it('makes and replaces symlinks with the target as given', async () => {
    await t.mkdirp('ln');
    await t.putStream('ln/target', Readable.from([Buffer.from('x')]));
    await t.symlink('target', 'ln/link');
    await t.symlink('../ren/final', 'ln/link');
    assert.equal(await readlink(join(sshd.root, 'ln/link')), '../ren/final');
    assert.ok((await lstat(join(sshd.root, 'ln/link'))).isSymbolicLink());
    const st = await t.stat('ln/link');
    assert.equal(st?.isLink, true);
  });

  it('lists with sizes, mtimes, modes and kinds; removes and rmdirs idempotently', async () => {
    await t.mkdirp('ls/sub');
    await writeFile(join(sshd.root, 'ls/a.txt'), 'abcdef');
    const when = new Date(Date.UTC(2020, 0, 5, 12, 0, 0));
    await utimes(join(sshd.root, 'ls/a.txt'), when, when);
    const rows = (await t.list('ls')).sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(rows.map((r) => [r.name, r.isDir, r.isLink]), [['a.txt', false, false], ['sub', true, false]]);
    assert.equal(rows[0]!.size, 6);
    assert.equal(rows[0]!.mtime, when.getTime());
    assert.equal(typeof rows[0]!.mode, 'number');
    await t.remove('ls/a.txt');
    await t.remove('ls/a.txt');
    await t.rmdir('ls/sub');
    await t.rmdir('ls/sub');
    assert.deepEqual(await t.list('ls'), []);
  });

  it('reports a missing remote file as PermanentError 404 and a missing directory on put as transient', async () => {
    await assert.rejects(t.getStream('nope/x'), (e: unknown) => (e as { reportCode?: number }).reportCode === 404);
    await assert.rejects(t.putStream('nope/x', Readable.from([Buffer.from('x')])),
      (e: unknown) => e instanceof TransientError && e.code === 'ERR_NO_DIR');
  });

  it('rejects a put whose source fails midway, closes the handle, and keeps the connection usable', async () => {
    await t.mkdirp('fail');
    async function* broken(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(100_000, 1);
      throw new Error('source disk died');
    }
    await assert.rejects(t.putStream('fail/partial', Readable.from(broken())), /source disk died/);
    await t.putStream('fail/next', Readable.from([Buffer.from('fine')]));
    assert.equal((await readFile(join(sshd.root, 'fail/next'))).toString(), 'fine');
    await t.remove('fail/partial');
    assert.equal(await t.stat('fail/partial'), undefined);
  });

  it('stops a get on abort', async () => {
    await t.mkdirp('ab');
    await writeFile(join(sshd.root, 'ab/big'), Buffer.alloc(8 * 1024 * 1024));
    const ac = new AbortController();
    const s = await t.getStream('ab/big', { signal: ac.signal });
    let n = 0;
    await assert.rejects((async () => {
      for await (const c of s) {
        n += (c as Buffer).length;
        if (n > 100_000) ac.abort();
      }
    })());
    assert.ok(n < 8 * 1024 * 1024);
    assert.ok((await t.list('ab')).length === 1, 'connection still usable after abort');
  });

  it('a get whose signal is already aborted (the deadline hit while it waited) returns no stream', async () => {
    await t.mkdirp('ab');
    await writeFile(join(sshd.root, 'ab/small'), 'x');
    const reason = new TransientError('deadline exceeded', { code: 'ERR_DEADLINE' });
    await assert.rejects(t.getStream('ab/small', { signal: AbortSignal.abort(reason) }), (e: unknown) => e === reason);
    const ac = new AbortController();
    const pending = t.getStream('ab/small', { signal: ac.signal });
    ac.abort(reason);
    await assert.rejects(pending, (e: unknown) => e === reason);
    assert.equal((await readAll(await t.getStream('ab/small'))).toString(), 'x', 'connection still usable');
  });

  it('refuses a host whose key does not match known_hosts, naming host and file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sarra-kh-'));
    try {
      await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'other')]);
      const other = (await readFile(join(dir, 'other.pub'), 'utf8')).split(' ').slice(0, 2).join(' ');
      const kh = join(dir, 'known_hosts');
      await writeFile(kh, `[127.0.0.1]:${sshd.port} ${other}\n`);
      await assert.rejects(openTransfer(sshd.url, { details: { ssh_keyfile: sshd.keyFile, known_hosts: kh } }), (e: unknown) => {
        assert.ok(e instanceof TransientError);
        assert.equal(e.code, 'ERR_HOST_KEY');
        assert.ok(e.message.includes(`[127.0.0.1]:${sshd.port}`) && e.message.includes(kh), e.message);
        assert.match(e.message, /does not match/);
        return true;
      });
      // StrictHostKeyChecking=no never overrides a changed key
      await assert.rejects(openTransfer(sshd.url, { details: { ssh_keyfile: sshd.keyFile, known_hosts: kh, StrictHostKeyChecking: 'no' } }),
        (e: unknown) => e instanceof TransientError && e.code === 'ERR_HOST_KEY');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown host unless StrictHostKeyChecking=no; accepts hashed known_hosts entries', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sarra-kh-'));
    try {
      const empty = join(dir, 'empty');
      await writeFile(empty, '');
      await assert.rejects(openTransfer(sshd.url, { details: { ssh_keyfile: sshd.keyFile, known_hosts: empty } }),
        (e: unknown) => e instanceof TransientError && e.code === 'ERR_HOST_KEY' && /is not in/.test(e.message));
      const ok = await openTransfer(sshd.url, { details: { ssh_keyfile: sshd.keyFile, known_hosts: empty, StrictHostKeyChecking: 'no' } });
      await ok.close();
      const hashed = join(dir, 'hashed');
      await writeFile(hashed, await readFile(sshd.knownHosts));
      await promisify(execFile)('ssh-keygen', ['-H', '-f', hashed]);
      assert.match(await readFile(hashed, 'utf8'), /^\|1\|/);
      const h = await openTransfer(sshd.url, { details: { ssh_keyfile: sshd.keyFile, known_hosts: hashed } });
      await h.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports an unreadable ssh_keyfile as a transient configuration problem', async () => {
    await assert.rejects(openTransfer(sshd.url, { details: { ssh_keyfile: '/nonexistent/key', known_hosts: sshd.knownHosts } }),
      (e: unknown) => e instanceof TransientError && e.code === 'ERR_KEYFILE' && e.message.includes('/nonexistent/key'));
  });

  it('fails authentication clearly with a key the server does not know', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sarra-key-'));
    try {
      await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'stranger')]);
      await assert.rejects(openTransfer(sshd.url, { details: { ssh_keyfile: join(dir, 'stranger'), known_hosts: sshd.knownHosts } }),
        (e: unknown) => e instanceof TransientError && e.code === 'ERR_AUTH' && e.message.includes(join(dir, 'stranger')));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('gives up on a hung server after opts.timeout and the pool reconnects once it answers again', async () => {
    const pool = new TransferPool({ timeout: 2, credentials: { lookup: (u) => ({ url: u, details }) } });
    try {
      const a = await pool.get(sshd.url);
      await a.list('.');
      await sshd.pause();
      const t0 = Date.now();
      await assert.rejects(a.list('.'), (e: unknown) => e instanceof ConnectionLostError && /no reply/.test(e.message));
      assert.ok(Date.now() - t0 < 5000, 'timed out near opts.timeout');
      assert.equal(a.alive, false);
      await sshd.resume();
      const b = await pool.get(sshd.url);
      assert.notEqual(b, a);
      assert.ok(Array.isArray(await b.list('.')));
    } finally {
      await sshd.resume();
      await pool.closeAll();
    }
  });

  it('gives up on a put and a get stalled by a hung server (no reply within opts.timeout)', async () => {
    const a = await openTransfer(sshd.url, { details, timeout: 2 });
    try {
      await a.mkdirp('stall');
      await writeFile(join(sshd.root, 'stall/big'), Buffer.alloc(16 * 1024 * 1024));
      const src = await a.getStream('stall/big');
      let got = 0;
      const reading = (async () => { for await (const c of src) { got += (c as Buffer).length; if (got > 1_000_000) await sshd.pause(); } })();
      const t0 = Date.now();
      // the stream error is ssh2's own; classifyError() maps it as the engine would
      await assert.rejects(reading, (e: unknown) => classifyError(e, 'get') instanceof ConnectionLostError);
      assert.ok(Date.now() - t0 < 10_000, 'gave up well before the 45 s of ssh keepalives');
      assert.equal(a.alive, false);
      await sshd.resume();
      const b = await openTransfer(sshd.url, { details, timeout: 2 });
      await sshd.pause();
      const big = Buffer.alloc(4 * 1024 * 1024);
      await assert.rejects(b.putStream('stall/up', Readable.from([big])), (e: unknown) => e instanceof ConnectionLostError);
      assert.equal(b.alive, false);
    } finally {
      await sshd.resume();
      await a.close();
    }
  });

  it('turns an outage into ConnectionLostError and the pool reconnects after start()', async () => {
    const pool = new TransferPool({ credentials: { lookup: (u) => ({ url: u, details }) } });
    try {
      const a = await pool.get(`${sshd.url}/x`);
      await a.putStream('pool1', Readable.from([Buffer.from('1')]));
      await sshd.stop();
      await assert.rejects(a.list('.'), (e: unknown) => e instanceof ConnectionLostError);
      assert.equal(a.alive, false);
      await assert.rejects(pool.get(sshd.url), (e: unknown) => e instanceof TransientError);
      await sshd.start();
      const b = await pool.get(sshd.url);
      assert.notEqual(b, a);
      await b.putStream('pool2', Readable.from([Buffer.from('2')]));
      assert.equal((await readFile(join(sshd.root, 'pool2'))).toString(), '2');
      await pool.drop(sshd.url);
      const c = await pool.get(sshd.url);
      assert.notEqual(c, b);
      assert.ok((await c.list('.')).some((r) => r.name === 'pool2'));
    } finally {
      await pool.closeAll();
      t = await openTransfer(sshd.url, { details }); // the suite's own connection died with the outage
    }
  });
});
