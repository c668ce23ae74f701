// Integration: https against a real nginx with a self-signed certificate: refused by default (TLS checks on),
// accepted once the certificate is trusted (NODE_EXTRA_CA_CERTS in a child process).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { TransientError } from '@sarra/common';
import { startNginx } from '@sarra/testkit/nginx';
import type { NginxHandle } from '@sarra/testkit/nginx';
import { openTransfer } from '@sarra/transfer';

describe('https driver against nginx (TLS)', () => {
  let root = '';
  let nginx: NginxHandle;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'sarra-https-'));
    await writeFile(join(root, 'hello.txt'), 'over tls');
    nginx = await startNginx({ root, tls: true });
  });
  after(async () => {
    await nginx?.cleanup();
    await rm(root, { recursive: true, force: true });
  });

  it('refuses a self-signed certificate by default with a clear TLS error', async () => {
    assert.match(nginx.url, /^https:/);
    const t = await openTransfer(nginx.url);
    await assert.rejects(t.getStream('/hello.txt'), (e: unknown) => {
      assert.ok(e instanceof TransientError);
      assert.equal(e.code, 'ERR_TLS');
      assert.match(e.message, /certificate/i);
      return true;
    });
    await t.close();
  });

  it('downloads once the certificate is trusted', async () => {
    const script = [
      "import { openTransfer } from '@sarra/transfer';",
      `const t = await openTransfer(${JSON.stringify(nginx.url)});`,
      "let s = ''; for await (const c of await t.getStream('/hello.txt')) s += c;",
      'await t.close(); process.stdout.write(s);',
    ].join('\n');
    // inside the workspace so '@sarra/transfer' resolves
    const file = fileURLToPath(new URL(`./.https-child-${process.pid}.ts`, import.meta.url));
    await writeFile(file, script);
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=source', '--import', 'tsx', file],
        { env: { ...process.env, NODE_EXTRA_CA_CERTS: nginx.certFile } });
      assert.equal(stdout, 'over tls');
    } finally {
      await rm(file, { force: true });
    }
  });
});
