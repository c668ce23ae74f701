// Integration: https downloads under tlsRigour from a real nginx with a self-signed certificate: normal refuses it
// (ERR_TLS, saying what would accept it), lax downloads, strict refuses even when the process switched checks off.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TransientError } from '@sarra/common';
import { startNginx, type NginxHandle } from '@sarra/testkit/nginx';
import { openTransfer } from '@sarra/transfer';

async function fetchText(url: string, tlsRigour?: string): Promise<string> {
  const t = await openTransfer(url, { tlsRigour });
  try {
    let s = '';
    for await (const c of await t.getStream('/hello.txt')) s += String(c);
    return s;
  } finally {
    await t.close();
  }
}

describe('https tlsRigour against nginx', () => {
  let root = '';
  let nginx: NginxHandle;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'sarra-tlsrigour-'));
    await writeFile(join(root, 'hello.txt'), 'over tls');
    nginx = await startNginx({ root, tls: true });
  });
  after(async () => {
    await nginx?.cleanup();
    await rm(root, { recursive: true, force: true });
  });

  it('normal refuses the self-signed certificate: ERR_TLS, naming tlsRigour lax', async () => {
    await assert.rejects(fetchText(nginx.url, 'normal'), (e: unknown) => {
      assert.ok(e instanceof TransientError && e.code === 'ERR_TLS', String(e));
      assert.match(e.message, /tlsRigour lax/);
      return true;
    });
  });

  it('lax downloads from it', async () => {
    assert.equal(await fetchText(nginx.url, 'lax'), 'over tls');
  });

  it('strict refuses it even with NODE_TLS_REJECT_UNAUTHORIZED=0, which normal follows', async () => {
    const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    const warn = process.emitWarning;
    process.emitWarning = () => {};
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    try {
      assert.equal(await fetchText(nginx.url, 'normal'), 'over tls');
      await assert.rejects(fetchText(nginx.url, 'strict'), (e: unknown) => e instanceof TransientError && e.code === 'ERR_TLS');
    } finally {
      if (saved === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
      process.emitWarning = warn;
    }
  });
});
