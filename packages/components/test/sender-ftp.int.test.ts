// Integration: sender over a real vsftpd + RabbitMQ: a posted tree delivered over FTP (inflight then rename,
// writes confined), its v02 output fetched back over FTP by a subscriber, both trees equal to the source.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { startVsftpd, type VsftpdHandle } from '@sarra/testkit/vsftpd';
import { SAMPLE } from '@sarra/testkit/sample';
import { runInstance } from '../src/instance.js';
import { collector, declareExchanges, logTails, waitFor as waitUntil } from './flowkit.js';

let v: TestVhost;
let home: TempHome;
let ftpd: VsftpdHandle;
let work: string;
let src: string;
/** The sendTo URL without its password (credentials.conf carries it). */
let sendTo: string;

/** Sorted (relative path, sha512 hex) of every regular file under `dir`; `skip` names relative prefixes to leave out. */
async function M(dir: string, skip: string[] = []): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    let ents;
    try { ents = await readdir(d, { withFileTypes: true }); } catch { return; }
    for (const e of ents) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        const rel = relative(dir, p);
        if (skip.some((s) => rel.startsWith(s))) continue;
        const data = await readFile(p).catch(() => undefined); // renamed meanwhile (inflight -> final)
        if (data) out.push(`${rel} ${createHash('sha512').update(data).digest('hex')}`);
      }
    }
  };
  await walk(dir);
  return out.sort();
}

const waitFor = (what: string, cond: () => Promise<boolean> | boolean, ms: number): Promise<void> =>
  waitUntil(what, cond, ms, () => logTails(home.cacheDir));

before(async () => {
  v = await withVhost('sarra-sender-ftp');
  home = await tempHome();
  ftpd = await startVsftpd();
  sendTo = `ftp://${ftpd.user}@127.0.0.1:${ftpd.port}`;
  work = await mkdtemp(join(tmpdir(), 'sender-ftp-int-'));
  src = join(work, 'src');
  await cp(SAMPLE, src, { recursive: true });
  await declareExchanges(v.url, ['xsrc', 'xsrc_out']);
  await home.writeConfig('credentials.conf', `${v.url}\n${ftpd.url}/\n`);
});

after(async () => {
  await ftpd?.cleanup();
  await v?.cleanup();
  await home?.cleanup();
  await rm(work, { recursive: true, force: true });
});

test('sender delivers the posted tree over FTP; a subscriber fetching its v02 output over FTP gets the same tree', async () => {
  const remote = join(ftpd.root, 'sent');
  const expected = await M(src, ['reject/']);
  assert.equal(expected.length, 1125);
  await home.writeConfig('sender/f.conf', [
    `broker amqp://guest@127.0.0.1:5672/${v.vhost}`, 'exchange xsrc',
    `sendTo ${sendTo}/`, `baseDir ${src}`, 'mirror on', 'attempts 1', 'retry_ttl 600', 'batch 50',
    `post_broker amqp://guest@127.0.0.1:5672/${v.vhost}`, 'post_exchange xsrc_out', 'post_topicPrefix v02.post',
    `post_baseUrl ${sendTo}/`, `directory ${remote}`, 'accept .*', ''].join('\n'));
  const dl = join(work, 'downloaded_by_ftp');
  await mkdir(dl);
  await home.writeConfig('subscribe/ftp.conf', [
    `broker amqp://guest@127.0.0.1:5672/${v.vhost}`, 'exchange xsrc_out', 'topicPrefix v02.post',
    `directory ${dl}`, 'mirror on', `strip ${remote.split('/').filter(Boolean).length}`, 'accept .*', ''].join('\n'));
  const out = await collector(v.url, 'xsrc_out');
  const ac = new AbortController();
  const snd = runInstance({ component: 'sender', config: 'f', instance: 1, foreground: false, env: home.env, signal: ac.signal });
  const sub = runInstance({ component: 'subscribe', config: 'ftp', instance: 1, foreground: false, env: home.env, signal: ac.signal });
  try {
    await new Promise((r) => setTimeout(r, 1500)); // queues declared and bound before posting
    await home.writeConfig('post/xsrc.conf', [
      `post_broker amqp://guest@127.0.0.1:5672/${v.vhost}`, 'post_exchange xsrc', 'post_baseUrl file:/',
      `post_baseDir ${src}`, 'reject .*/reject/.*', ''].join('\n'));
    assert.equal(await runInstance({ component: 'post', config: 'xsrc', instance: 1, foreground: false, env: home.env, paths: [src] }), 0);
    await waitFor('1,125 files sent', async () => (await M(remote)).filter((l) => !l.includes('.tmp ')).length >= 1125, 180_000);
    await waitFor('the subscriber has every file', async () => (await M(dl)).length >= 1125, 180_000);
  } finally {
    ac.abort();
    assert.deepEqual(await Promise.all([snd, sub]), [0, 0]);
    await out.close();
  }
  assert.deepEqual(await M(remote), expected, 'remote tree equals the source (sha512), no inflight leftovers');
  assert.deepEqual(await M(dl), expected, 'downloaded_by_ftp equals the source');
  const files = out.decoded.filter((d) => !d.notice.fileOp);
  assert.ok(files.length >= 1125);
  for (const d of files) assert.equal(d.notice.baseUrl, `${sendTo}/`);
});
