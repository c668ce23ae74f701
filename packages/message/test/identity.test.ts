// Identity hashers and whole-file identities against known digests.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SarraError } from '@sarra/common';
import { base64ToHex, createHasher, hexToBase64, identityOfFile } from '@sarra/message';

describe('hex <-> base64', () => {
  it('the COMPAT sha512 pair (v02 hex, v03 base64) is the same digest', () => {
    const hex = '959ec4bcde44a152c0ea98e36cad2d9e5c3e924c390bd3904776ded8092b63f3a541b9fb76cbad4b86f22a0c517c5ed8b2345c68ae2b455888523cbb2efeff70';
    const b64 = 'lZ7EvN5EoVLA6pjjbK0tnlw+kkw5C9OQR3be2AkrY/OlQbn7dsutS4byKgxRfF7YsjRcaK4rRViIUjy7Lv7/cA==';
    assert.equal(hexToBase64(hex), b64);
    assert.equal(base64ToHex(b64), hex);
    assert.equal(hexToBase64('b19bc6dca8297c4359735e5848c1ef6d'), 'sZvG3KgpfENZc15YSMHvbQ==');
  });
});

describe('createHasher', () => {
  it('sha512 and md5 stream chunks', () => {
    for (const m of ['sha512', 'md5'] as const) {
      const h = createHasher(m);
      h.update(Buffer.from('hello '));
      h.update(Buffer.from('world'));
      assert.equal(h.value(), createHash(m).update('hello world').digest('base64'));
    }
  });
  it('md5name hashes the file name only', () => {
    const h = createHasher('md5name', 'some/dir/file.txt');
    h.update(Buffer.from('ignored'));
    assert.equal(h.value(), createHash('md5').update('file.txt').digest('base64'));
  });
  it('arbitrary returns the given value; random differs each time', () => {
    assert.equal(createHasher('arbitrary', undefined, { arbitraryValue: 'v1' }).value(), 'v1');
    assert.throws(() => createHasher('arbitrary', 'some/rel/path'), SarraError, 'the path is not a value');
    assert.notEqual(createHasher('random').value(), createHasher('random').value());
  });
  it('cod and sha256 are not hashers', () => {
    assert.throws(() => createHasher('cod'), SarraError);
    assert.throws(() => createHasher('sha256' as 'md5'), SarraError);
    assert.throws(() => createHasher('arbitrary'), SarraError);
  });
});

describe('identityOfFile', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'msg-id-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  it('streams a multi-chunk file to the same digest as hashing it whole', async () => {
    const data = Buffer.alloc(3 * (1 << 20) + 17, 7);
    const f = join(dir, 'big.dat');
    await writeFile(f, data);
    assert.deepEqual(await identityOfFile(f, 'sha512'), { method: 'sha512', value: createHash('sha512').update(data).digest('base64') });
    assert.deepEqual(await identityOfFile(f, 'md5'), { method: 'md5', value: createHash('md5').update(data).digest('base64') });
    assert.deepEqual(await identityOfFile(f, 'md5name'), { method: 'md5name', value: createHash('md5').update('big.dat').digest('base64') });
  });
  it('a missing file rejects with the fs error', async () => {
    await assert.rejects(identityOfFile(join(dir, 'nope'), 'sha512'), { code: 'ENOENT' });
  });
});
