// Unit tests (no server): the management client's errors, and the testkit's loud failure without RabbitMQ.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { TransientError } from '@sarra/common';
import { Management } from '@sarra/broker/management';

/** A loopback port nobody listens on. */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

test('Management: an unreachable API is a TransientError ERR_MGMT_UNREACHABLE naming the URL, not the password', async () => {
  const port = await deadPort();
  const m = new Management(`http://127.0.0.1:${port}`, 'admin', 'topsecret');
  await assert.rejects(m.queues('/'), (e: unknown) => {
    assert.ok(e instanceof TransientError);
    assert.equal(e.code, 'ERR_MGMT_UNREACHABLE');
    assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.ok(!e.message.includes('topsecret'));
    return true;
  });
});

test('testkit withVhost() fails loudly, naming what is missing, when RabbitMQ management is not there', async () => {
  const port = await deadPort();
  const script = "const m = await import('@sarra/testkit/rabbit'); await m.withVhost();";
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: fileURLToPath(new URL('../../..', import.meta.url)),
        env: { ...process.env, SARRA_TEST_RABBIT_MGMT: `http://127.0.0.1:${port}` },
        timeout: 30_000,
      },
      (_err, _out, err) => resolve({ code: child.exitCode, stderr: err }),
    );
  });
  assert.notEqual(code, 0);
  assert.match(stderr, /RabbitMQ management API not reachable/);
  assert.match(stderr, /rabbitmq_management/);
  assert.match(stderr, /tools\/services\.sh/);
});
