// Integration (real RabbitMQ + nginx, child processes): kill -9 mid-download of a large file, restart (ACCEPTANCE 12).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { startNginx, type NginxHandle } from '@sarra/testkit/nginx';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { nowTimestamp } from '@sarra/message';
import { declareExchanges, publish, readMetrics, total, waitFor } from './flowkit.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SIZE = 24 * 1024 * 1024;
let v: TestVhost;
let home: TempHome;
let work: string;
let origin: NginxHandle;
let data: Buffer;

before(async () => {
  v = await withVhost('sarra-kill');
  home = await tempHome();
  work = await mkdtemp(join(tmpdir(), 'sarra-kill-'));
  await mkdir(join(work, 'src', 'big'), { recursive: true });
  data = randomBytes(SIZE);
  await writeFile(join(work, 'src', 'big', 'file.bin'), data);
  origin = await startNginx({ root: join(work, 'src'), limitRate: 4 * 1024 * 1024 });
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  await home.writeConfig('subscribe/big.conf', [
    `broker amqp://guest@127.0.0.1:5672/${v.vhost}`, 'exchange xbig', `directory ${join(work, 'dl')}`, 'mirror on', 'timeout 60', '',
  ].join('\n'));
  await declareExchanges(v.url, ['xbig']);
});

after(async () => {
  await origin?.cleanup();
  await v?.cleanup();
  await home?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

function startInstance(): ChildProcess {
  const c = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(ROOT, 'packages/sr/src/instance.ts'), 'subscribe', 'big', '1'],
    { env: home.env, cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  c.stderr?.resume();
  return c;
}

const exit = (c: ChildProcess): Promise<number | null> => new Promise((r) => {
  if (c.exitCode !== null || c.signalCode !== null) r(c.exitCode);
  else c.once('exit', (code) => r(code));
});

test('kill -9 mid-download: after a restart one whole file with the right checksum, no temporary leftover', { timeout: 120_000 }, async () => {
  let child = startInstance();
  try {
    await waitFor('queue with a consumer', async () => (await v.mgmt.queues(v.vhost)).some((q) => q.consumers > 0), 60_000);
    await publish(v.url, 'xbig', [{
      pubTime: nowTimestamp(), baseUrl: origin.url, relPath: '/big/file.bin', size: SIZE,
      identity: { method: 'sha512', value: createHash('sha512').update(data).digest('base64') },
    }]);
    const dir = join(work, 'dl', 'big');
    await waitFor('a partial temp file', async () => (await readdir(dir).catch(() => [] as string[])).includes('file.bin.tmp'), 30_000);
    child.kill('SIGKILL');
    await exit(child);
    assert.deepEqual(await readdir(dir), ['file.bin.tmp'], 'killed mid-download: only the temp name exists');
    child = startInstance();
    await waitFor('the whole file', async () => (await readdir(dir)).includes('file.bin'), 60_000);
    assert.deepEqual(await readdir(dir), ['file.bin'], 'no temporary leftover');
    assert.equal(createHash('sha512').update(await readFile(join(dir, 'file.bin'))).digest('hex'), createHash('sha512').update(data).digest('hex'));
    child.kill('SIGTERM');
    assert.equal(await exit(child), 0);
    const m = await readMetrics(home.cacheDir, 'subscribe', 'big');
    assert.equal(total(m, 'transferredFiles'), 1, 'downloaded once by the restarted instance');
    await waitFor('queue empty', async () => (await v.mgmt.queues(v.vhost)).every((q) => q.messages === 0), 20_000);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});
