// Unit test: drivers load lazily by scheme, so an instance that only downloads over http never loads ssh2.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { openTransfer } from '@sarra/transfer';

const loaded = (name: string): boolean => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes(`/node_modules/${name}/`));

describe('lazy driver loading', () => {
  it('loads ssh2 only when an sftp URL is opened', async () => {
    const f = await openTransfer('file:///tmp');
    const h = await openTransfer('http://127.0.0.1:9/');
    await f.close();
    await h.close();
    assert.equal(loaded('ssh2'), false, 'ssh2 loaded before any sftp use');
    // nothing listens on port 1: the connect fails, but the driver (and ssh2) had to load
    await assert.rejects(openTransfer('sftp://nobody@127.0.0.1:1/', { details: { StrictHostKeyChecking: 'no' } }));
    assert.equal(loaded('ssh2'), true);
  });
});
