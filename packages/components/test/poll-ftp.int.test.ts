// Integration: poll over FTP and explicit FTPS on a real vsftpd (testkit) into RabbitMQ: every file of the sample
// once across three cycles with its size and time, files added between cycles once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { startVsftpd, type VsftpdHandle } from '@sarra/testkit/vsftpd';
import { SAMPLE as SAMPLE_ROOT } from '@sarra/testkit/sample';
import { msFromTimestamp, type Notice } from '@sarra/message';
import { runInstance } from '../src/instance.js';
import { collector, logTails, waitFor as waitUntil } from './flowkit.js';

const SAMPLE = join(SAMPLE_ROOT, '20200105');
let v: TestVhost;
let home: TempHome;
let ftpd: VsftpdHandle;

async function countFiles(dir: string): Promise<number> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
}

const waitFor = (what: string, cond: () => Promise<boolean> | boolean, ms: number): Promise<void> =>
  waitUntil(what, cond, ms, async () => `${await logTails(home.cacheDir)}\n${(await ftpd.log()).slice(-3000)}`);

before(async () => {
  v = await withVhost('sarra-poll-ftp');
  home = await tempHome();
  ftpd = await startVsftpd();
  for (const scheme of ['ftp', 'ftps']) await cp(SAMPLE, join(ftpd.root, scheme), { recursive: true });
  // the password only in credentials.conf, as an operator keeps it
  await home.writeConfig('credentials.conf', `${v.url}\n${ftpd.url}/\n${ftpd.ftpsUrl}/\n`);
});

after(async () => {
  await ftpd?.cleanup();
  await v?.cleanup();
  await home?.cleanup();
});

for (const scheme of ['ftp', 'ftps'] as const) {
  test(`poll over ${scheme}: every file once across three cycles, with its size and time; new files once`, async () => {
    const pub = join(ftpd.root, scheme);
    const total = await countFiles(pub);
    assert.equal(total, 1125);
    const pollUrl = `${scheme}://${ftpd.user}@127.0.0.1:${ftpd.port}/`;
    const exchange = `xpoll_${scheme}`;
    await home.writeConfig(`poll/${scheme}.conf`, [`post_broker amqp://guest@127.0.0.1:5672/${v.vhost}`, 'scheduled_interval 2',
      `post_exchange ${exchange}`, `pollUrl ${pollUrl}`, `path ${scheme}`, ...(scheme === 'ftps' ? ['tlsRigour lax'] : []), ''].join('\n'));
    const c = await collector(v.url, exchange);
    const ac = new AbortController();
    const running = runInstance({ component: 'poll', config: scheme, instance: 1, foreground: false, env: home.env, signal: ac.signal });
    try {
      await waitFor('the first listing', () => c.got.length >= total, 90_000);
      await new Promise((r) => setTimeout(r, 5000)); // two more cycles
      assert.equal(c.got.length, total, 'later cycles announce nothing already announced');
      for (const n of c.got) {
        assert.equal(n.baseUrl, pollUrl);
        assert.ok(n.relPath.startsWith(`${scheme}/`), n.relPath);
        const st = await stat(join(ftpd.root, n.relPath));
        assert.equal(n.size, st.size, `${n.relPath}: size`);
        // a Unix LIST gives minutes (or days, for files over six months old)
        const listed = msFromTimestamp(String(n.mtime));
        assert.ok(Math.abs(listed - st.mtimeMs) < 86_400_000, `${n.relPath}: mtime ${n.mtime}`);
      }
      await writeFile(join(pub, 'new-1.txt'), 'one');
      await writeFile(join(pub, 'WXO-DD', 'new-2.txt'), 'two');
      await waitFor('the new files', () => c.got.length >= total + 2, 30_000);
      await new Promise((r) => setTimeout(r, 5000));
      const seen = new Map<string, Notice[]>();
      for (const n of c.got) seen.set(n.relPath, [...(seen.get(n.relPath) ?? []), n]);
      for (const [rel, ns] of seen) assert.equal(ns.length, 1, `${rel} announced ${ns.length} times`);
      assert.equal(seen.size, total + 2);
      assert.equal(seen.get(`${scheme}/WXO-DD/new-2.txt`)?.[0]?.size, 3);
    } finally {
      ac.abort();
      assert.equal(await running, 0);
      await c.close();
    }
  });
}
