// Integration: poll over a real sshd and a real nginx into RabbitMQ: every file once across three
// cycles, files added between cycles once, and with a vip exactly one of two polls announces.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { startSshd, type SshdHandle } from '@sarra/testkit/sshd';
import { startNginx, type NginxHandle } from '@sarra/testkit/nginx';
import type { Notice } from '@sarra/message';
import { runInstance } from '../src/instance.js';
import { collector, logTails, waitFor as waitUntil } from './flowkit.js';

import { SAMPLE as SAMPLE_ROOT } from '@sarra/testkit/sample';
const SAMPLE = join(SAMPLE_ROOT, '20200105');
let v: TestVhost;
let home: TempHome;
let sshd: SshdHandle;
let nginx: NginxHandle;
let work: string;

async function countFiles(dir: string): Promise<number> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
}

function pollConf(name: string, lines: string[]): Promise<string> {
  return home.writeConfig(`poll/${name}.conf`, [`post_broker amqp://guest@127.0.0.1:5672/${v.vhost}`, 'scheduled_interval 2', ...lines, ''].join('\n'));
}

/** Each relPath announced exactly once. */
function onceEach(ns: Notice[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const n of ns) m.set(n.relPath, (m.get(n.relPath) ?? 0) + 1);
  for (const [rel, k] of m) assert.equal(k, 1, `${rel} announced ${k} times`);
  return m;
}

/** Waits for `cond`; on time-out the error carries the tail of every instance log. */
const waitFor = (what: string, cond: () => Promise<boolean> | boolean, ms: number): Promise<void> =>
  waitUntil(what, cond, ms, () => logTails(home.cacheDir));

before(async () => {
  v = await withVhost('sarra-poll');
  home = await tempHome();
  work = await mkdtemp(join(tmpdir(), 'poll-int-'));
  sshd = await startSshd();
  nginx = await startNginx({ root: join(work, 'www') });
  await cp(SAMPLE, join(sshd.root, 'pub'), { recursive: true });
  await cp(SAMPLE, join(work, 'www', 'pub'), { recursive: true });
  await home.writeConfig('credentials.conf', `${v.url}\n${sshd.url}/ ssh_keyfile=${sshd.keyFile},known_hosts=${sshd.knownHosts}\n`);
});

after(async () => {
  await sshd?.cleanup();
  await nginx?.cleanup();
  await v?.cleanup();
  await home?.cleanup();
  await rm(work, { recursive: true, force: true });
});

for (const kind of ['sftp', 'http'] as const) {
  test(`poll over ${kind}: every file once across three cycles, new files once`, async () => {
    const root = kind === 'sftp' ? sshd.root : join(work, 'www');
    const pub = join(root, 'pub');
    const total = await countFiles(pub);
    assert.equal(total, 1125);
    const exchange = `xpoll_${kind}`;
    await pollConf(kind, kind === 'sftp'
      ? [`post_exchange ${exchange}`, `pollUrl ${sshd.url}/`, 'path pub'] // relative: under the login directory (sshd.root)
      : [`post_exchange ${exchange}`, `pollUrl ${nginx.url}`, 'path pub/']);
    const c = await collector(v.url, exchange);
    const ac = new AbortController();
    const running = runInstance({ component: 'poll', config: kind, instance: 1, foreground: false, env: home.env, signal: ac.signal });
    try {
      await waitFor('the first listing', () => c.got.length >= total, 60_000);
      await new Promise((r) => setTimeout(r, 5000)); // two more cycles
      assert.equal(c.got.length, total, 'later cycles announce nothing already announced');
      for (const n of c.got) {
        assert.deepEqual(n.identity, { method: 'cod', value: 'sha512' });
        assert.ok(n.relPath.startsWith('pub/'), n.relPath);
        const local = join(root, n.relPath);
        assert.equal((await stat(local)).size, n.size, `${n.relPath} points at the polled file`);
        assert.equal(n.baseUrl, kind === 'sftp' ? `${sshd.url}/` : nginx.url);
      }
      await writeFile(join(pub, 'new-1.txt'), 'one');
      await writeFile(join(pub, 'WXO-DD', 'new-2.txt'), 'two');
      await waitFor('the new files', () => c.got.length >= total + 2, 30_000);
      await new Promise((r) => setTimeout(r, 5000));
      const m = onceEach(c.got);
      assert.equal(m.size, total + 2);
    } finally {
      ac.abort();
      assert.equal(await running, 0);
      await c.close();
    }
  });
}

test('vip: of two polls of the same tree, only the one holding the address announces; the other is passive', async () => {
  const pub = join(sshd.root, 'pub');
  const total = await countFiles(pub);
  const lines = ['post_exchange xvip', `pollUrl ${sshd.url}/`, `path ${pub}`];
  await pollConf('vip-held', [...lines, 'vip 127.0.0.1']);
  await pollConf('vip-other', [...lines, 'vip 192.0.2.1']); // TEST-NET-1: never on this host, never contacted
  const c = await collector(v.url, 'xvip');
  const ac = new AbortController();
  // the passive one first, so its queue on the poll output is bound before anything is announced
  const b = runInstance({ component: 'poll', config: 'vip-other', instance: 1, foreground: false, env: home.env, signal: ac.signal });
  await new Promise((r) => setTimeout(r, 2000));
  const a = runInstance({ component: 'poll', config: 'vip-held', instance: 1, foreground: false, env: home.env, signal: ac.signal });
  try {
    await waitFor('the listing', () => c.got.length >= total, 60_000);
    await new Promise((r) => setTimeout(r, 5000));
    assert.equal(onceEach(c.got).size, total, 'each file announced once, by one poll');
    const otherState = join(home.cacheDir, 'poll', 'vip-other');
    assert.ok((await readdir(otherState)).some((f) => f.endsWith('.noVip')), 'the passive poll marks itself .noVip');
    assert.ok(!(await readdir(join(home.cacheDir, 'poll', 'vip-held'))).some((f) => f.endsWith('.noVip')));
    // the passive poll learned what the active one announced (its cache holds every file)
    const cache = (await readdir(otherState)).find((f) => f.startsWith('poll_seen_'));
    assert.ok(cache);
    assert.equal((await readFile(join(otherState, cache), 'utf8')).trim().split('\n').length, total);
  } finally {
    ac.abort();
    await Promise.all([a, b]);
    await c.close();
  }
});
