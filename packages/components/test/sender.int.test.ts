// Integration: sender over a real sshd + RabbitMQ: a posted tree delivered (inflight then rename), its v02
// output valid and fetchable by an SFTP subscriber, and an sshd outage survived with no partial file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { startSshd, type SshdHandle } from '@sarra/testkit/sshd';
import { base64ToHex } from '@sarra/message';
import { runInstance } from '../src/instance.js';
import { collector, declareExchanges, logTails, waitFor as waitUntil } from './flowkit.js';

import { SAMPLE } from '@sarra/testkit/sample';
let v: TestVhost;
let home: TempHome;
let sshd: SshdHandle;
let work: string;
let src: string;

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

async function post(exchange: string): Promise<void> {
  await home.writeConfig(`post/${exchange}.conf`, [
    `post_broker amqp://guest@127.0.0.1:5672/${v.vhost}`, `post_exchange ${exchange}`, 'post_baseUrl file:/',
    `post_baseDir ${src}`, 'reject .*/reject/.*', ''].join('\n'));
  assert.equal(await runInstance({ component: 'post', config: exchange, instance: 1, foreground: false, env: home.env, paths: [src] }), 0);
}

function senderConf(name: string, exchange: string, remoteDir: string, batch = 50): Promise<string> {
  return home.writeConfig(`sender/${name}.conf`, [
    `broker amqp://guest@127.0.0.1:5672/${v.vhost}`, `exchange ${exchange}`,
    `sendTo ${sshd.url}/`, `baseDir ${src}`, 'mirror on', 'attempts 1', 'retry_ttl 600', `batch ${batch}`,
    `post_broker amqp://guest@127.0.0.1:5672/${v.vhost}`, `post_exchange ${exchange}_out`, 'post_topicPrefix v02.post',
    `post_baseUrl ${sshd.url}/`, `directory ${remoteDir}`, 'accept .*', ''].join('\n'));
}

/** Waits for `cond`; on time-out the error carries the tail of every instance log. */
const waitFor = (what: string, cond: () => Promise<boolean> | boolean, ms: number): Promise<void> =>
  waitUntil(what, cond, ms, () => logTails(home.cacheDir));

before(async () => {
  v = await withVhost('sarra-sender');
  home = await tempHome();
  sshd = await startSshd();
  work = await mkdtemp(join(tmpdir(), 'sender-int-'));
  src = join(work, 'src');
  await cp(SAMPLE, src, { recursive: true });
  await declareExchanges(v.url, ['xsrc', 'xsrc_out', 'xsrc2', 'xsrc_out2', 'xout', 'xout_out']);
  await home.writeConfig('credentials.conf', `${v.url}\n${sshd.url}/ ssh_keyfile=${sshd.keyFile},known_hosts=${sshd.knownHosts}\n`);
});

after(async () => {
  await sshd?.cleanup();
  await v?.cleanup();
  await home?.cleanup();
  await rm(work, { recursive: true, force: true });
});

test('sender delivers the posted tree over SFTP; its v02 output points at the delivered files; an SFTP subscriber gets the same tree', async () => {
  const remote = join(sshd.root, 'sent');
  const expected = await M(src, ['reject/']);
  assert.equal(expected.length, 1125);
  await senderConf('s', 'xsrc', remote);
  const out = await collector(v.url, 'xsrc_out');
  const ac = new AbortController();
  const running = runInstance({ component: 'sender', config: 's', instance: 1, foreground: false, env: home.env, signal: ac.signal });
  try {
    await new Promise((r) => setTimeout(r, 1500)); // queue declared and bound before posting
    await post('xsrc');
    await waitFor('1,125 files sent', async () => (await M(remote)).length >= 1125, 120_000);
    await waitFor('1,125 v02 notices', async () => out.decoded.filter((d) => !d.notice.fileOp).length >= 1125, 30_000);
  } finally {
    ac.abort();
    assert.equal(await running, 0);
    await out.close();
  }
  assert.deepEqual(await M(remote), expected, 'remote tree equals the source (sha512)');
  const files = out.decoded.filter((d) => !d.notice.fileOp);
  assert.equal(files.length, 1125);
  for (const d of files) {
    assert.equal(d.format, 'v02');
    assert.ok(d.topic.startsWith('v02.post.'));
    assert.equal(d.notice.baseUrl, `${sshd.url}/`);
    const path = `/${d.notice.relPath}`;
    const data = await readFile(path);
    assert.equal(base64ToHex(d.notice.identity!.value), createHash('sha512').update(data).digest('hex'), path);
  }

  // a subscriber fetching the sender's v02 output over SFTP gets the same tree
  const dl = join(work, 'downloaded_by_sftp');
  await mkdir(dl);
  await home.writeConfig('subscribe/sftp.conf', [
    `broker amqp://guest@127.0.0.1:5672/${v.vhost}`, 'exchange xsrc_out2', 'topicPrefix v02.post',
    `directory ${dl}`, 'mirror on', `strip ${remote.split('/').filter(Boolean).length}`, 'accept .*', ''].join('\n'));
  await senderConf('s2', 'xsrc2', join(sshd.root, 'sent2'));
  await home.writeConfig('sender/s2.conf', (await readFile(join(home.configDir, 'sender/s2.conf'), 'utf8')).replace('post_exchange xsrc2_out', 'post_exchange xsrc_out2'));
  const ac2 = new AbortController();
  const sub = runInstance({ component: 'subscribe', config: 'sftp', instance: 1, foreground: false, env: home.env, signal: ac2.signal });
  const snd = runInstance({ component: 'sender', config: 's2', instance: 1, foreground: false, env: home.env, signal: ac2.signal });
  try {
    await new Promise((r) => setTimeout(r, 1500));
    await post('xsrc2');
    await waitFor('the subscriber has every file', async () => (await M(dl)).length >= 1125, 180_000);
  } finally {
    ac2.abort();
    await Promise.all([sub, snd]);
  }
  const sent2 = join(sshd.root, 'sent2');
  const prefix = sent2.split('/').filter(Boolean).length;
  assert.ok(prefix > 0);
  assert.deepEqual(await M(dl), expected, 'downloaded_by_sftp equals the source');
  assert.deepEqual(await M(sent2), expected);
});

test('sshd down ~30 s while the sender runs: no partial file at a final name, the backlog arrives once it is back', async () => {
  const remote = join(sshd.root, 'outage');
  const expected = await M(src, ['reject/']);
  // `directory outage` is relative: like sr3's sftp cd, it lands under the login directory (sshd.root)
  await senderConf('o', 'xout', 'outage', 10); // a small batch keeps the outage in the middle of the flow
  const ac = new AbortController();
  const running = runInstance({ component: 'sender', config: 'o', instance: 1, foreground: false, env: home.env, signal: ac.signal });
  try {
    await new Promise((r) => setTimeout(r, 1500));
    const posting = post('xout');
    await waitFor('some files sent', async () => (await readdir(remote, { recursive: true }).catch(() => [])).length >= 40, 60_000);
    await sshd.stop();
    await posting;
    const atStop = new Map((await M(remote)).map((l) => l.split(' ') as [string, string]));
    const want = new Map(expected.map((l) => l.split(' ') as [string, string]));
    for (const [rel, sum] of atStop) if (!rel.endsWith('.tmp')) assert.equal(sum, want.get(rel), `complete file at final name ${rel}`);
    assert.ok(atStop.size < 1125, `the outage began mid-flow (${atStop.size} files were there)`);
    await new Promise((r) => setTimeout(r, 30_000));
    await sshd.start();
    await waitFor('backlog delivered', async () => (await M(remote)).filter((l) => !l.includes('.tmp ')).length >= 1125, 180_000);
  } finally {
    ac.abort();
    assert.equal(await running, 0);
  }
  const final = await M(remote);
  assert.deepEqual(final.filter((l) => !l.split(' ')[0]!.endsWith('.tmp')), expected, 'every file whole at its final name');
  assert.deepEqual(final.filter((l) => l.split(' ')[0]!.endsWith('.tmp')), [], 'no inflight leftovers');
});
