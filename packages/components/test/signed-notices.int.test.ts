// Integration (real RabbitMQ + nginx, certificates from the openssl CLI): a post with post_sign, a shovel relaying its
// notices unchanged, a sarra re-announcing them from its own server (its post_baseUrl), a subscribe with notice_verify.
// Signed notices are downloaded; an unsigned one, a forged one (identity changed after signing) and one signed by a
// DN not on the list are refused before any download: nothing on disk, no request to the server, each counted under
// its reason and logged as a warning.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Notice } from '@sarra/message';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { startNginx, type NginxHandle } from '@sarra/testkit/nginx';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { makePki, type Pki } from '@sarra/testkit/pki';
import { runInstance } from '../src/instance.js';
import { collector, declareExchanges, listFiles, logTails, noticesFor, publish, readMetrics, total, waitFor } from './flowkit.js';

let v: TestVhost;
let home: TempHome;
let work: string;
let origin: NginxHandle;
let pump: NginxHandle;
let pki: Pki;

const FILES = ['good1.txt', 'good2.txt', 'unsigned.txt', 'forged.txt', 'wrongdn.txt'];

before(async () => {
  v = await withVhost('signed-notices');
  home = await tempHome();
  pki = await makePki();
  work = await mkdtemp(join(tmpdir(), 'sarra-signed-'));
  const src = join(work, 'src');
  await mkdir(src);
  for (const n of FILES) await writeFile(join(src, n), `${n} body\n`);
  origin = await startNginx({ root: src });
  await mkdir(join(work, 'pump'));
  pump = await startNginx({ root: join(work, 'pump') });
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  const broker = `amqp://guest@127.0.0.1:5672/${v.vhost}`;
  const poster = (exchange: string, host: { cert: string; key: string }) => [`post_broker ${broker}`, `post_exchange ${exchange}`,
    `post_baseUrl ${origin.url}`, `post_baseDir ${src}`, 'identity sha512', `post_sign ${host.cert} ${host.key}`, ''].join('\n');
  await home.writeConfig('post/signer.conf', poster('xsig_post', pki.hosts.sender));
  await home.writeConfig('post/capture.conf', poster('xsig_capture', pki.hosts.sender));
  await home.writeConfig('post/other.conf', poster('xsig_post', pki.hosts.other));
  await home.writeConfig('shovel/relay.conf', [`broker ${broker}`, 'exchange xsig_post', 'post_exchange xsig_mid', 'accept .*', ''].join('\n'));
  await home.writeConfig('sarra/pump.conf', [`broker ${broker}`, 'exchange xsig_mid', `directory ${join(work, 'pump')}`, 'mirror on',
    `post_broker ${broker}`, 'post_exchange xsig', `post_baseUrl ${pump.url}`, `post_baseDir ${join(work, 'pump')}`, 'accept .*', ''].join('\n'));
  await writeFile(join(work, 'signers'), `# who may announce data to us\n${pki.hosts.sender.dn}\n`);
  await home.writeConfig('subscribe/check.conf', [`broker ${broker}`, 'exchange xsig', `directory ${join(work, 'got')}`,
    'notice_verify on', `notice_capath ${pki.capath}`, `notice_signers ${join(work, 'signers')}`, 'accept .*', ''].join('\n'));
  await declareExchanges(v.url, ['xsig_post', 'xsig_mid', 'xsig', 'xsig_capture']);
});

after(async () => {
  await origin?.cleanup();
  await pump?.cleanup();
  await v?.cleanup();
  await home?.cleanup();
  await pki?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

const post = (config: string, file: string): Promise<number> =>
  runInstance({ component: 'post', config, instance: 1, foreground: false, env: home.env, paths: [join(work, 'src', file)] });

test('signed notices are delivered through a shovel and a sarra; unsigned, forged and unlisted-signer ones are refused before any download', { timeout: 120_000 }, async () => {
  const relayed = await collector(v.url, 'xsig');
  const captured = await collector(v.url, 'xsig_capture');
  const ctl = new AbortController();
  const shovel = runInstance({ component: 'shovel', config: 'relay', instance: 1, foreground: false, env: home.env, signal: ctl.signal });
  const sarra = runInstance({ component: 'sarra', config: 'pump', instance: 1, foreground: false, env: home.env, signal: ctl.signal });
  const sub = runInstance({ component: 'subscribe', config: 'check', instance: 1, foreground: false, env: home.env, signal: ctl.signal });
  let metrics: Record<string, Record<string, unknown>> | undefined;
  try {
    await waitFor('the shovel and subscribe queues declared', async () => {
      const names = (await v.mgmt.queues(v.vhost)).map((q) => q.name);
      return ['.shovel.relay', '.sarra.pump', '.subscribe.check'].every((c) => names.some((n) => n.includes(c)));
    }, 30_000, () => logTails(home.cacheDir));
    assert.equal(await post('signer', 'good1.txt'), 0);
    assert.equal(await post('signer', 'good2.txt'), 0);
    assert.equal(await post('other', 'wrongdn.txt'), 0);
    // forged: a genuinely signed notice whose identity is changed afterwards (straight to the subscriber: the sarra
    // would find the data does not match the identity and announce nothing)
    assert.equal(await post('capture', 'forged.txt'), 0);
    await waitFor('the captured notice', () => captured.got.length >= 1, 20_000);
    const forged: Notice = { ...captured.got[0]!, identity: { method: 'sha512', value: createHash('sha512').update('evil\n').digest('base64') } };
    const [unsigned] = await noticesFor(join(work, 'src'), origin.url, (rel) => rel === 'unsigned.txt');
    await publish(v.url, 'xsig', [forged]);
    await publish(v.url, 'xsig_post', [unsigned!]);
    await waitFor('2 downloads and 3 refusals', async () => {
      metrics = await readMetrics(home.cacheDir, 'subscribe', 'check');
      return total(metrics, 'transferredFiles') >= 2 && total(metrics, 'rejected') >= 3;
    }, 60_000, () => logTails(home.cacheDir));
    await new Promise((r) => setTimeout(r, 1500)); // nothing else arrives late
  } finally {
    ctl.abort();
    assert.equal(await sub, 0);
    assert.equal(await shovel, 0);
    assert.equal(await sarra, 0);
    await relayed.close();
    await captured.close();
  }
  // the shovel and the sarra passed the posted signatures on, the sarra announcing its own server
  const signedByPoster = relayed.got.filter((n) => n.relPath.replace(/^\//, '').startsWith('good'));
  assert.equal(signedByPoster.length, 2);
  for (const n of signedByPoster) {
    assert.equal((n.signature as { method?: string }).method, 'x509-sha256');
    assert.equal(n.baseUrl, pump.url);
  }

  assert.deepEqual(await listFiles(join(work, 'got')), ['good1.txt', 'good2.txt']);
  // the subscriber fetched from the sarra's server only what it accepted; nobody fetched the forged file
  const gets = async (h: NginxHandle) => (await readFile(h.accessLog, 'utf8')).split('\n').filter((l) => /"GET /.test(l));
  const fromPump = await gets(pump);
  assert.deepEqual(fromPump.map((l) => /"GET (\S+) /.exec(l)?.[1]).sort(), ['/good1.txt', '/good2.txt'], fromPump.join('\n'));
  assert.ok((await gets(origin)).every((l) => !l.includes('forged.txt')));
  metrics = await readMetrics(home.cacheDir, 'subscribe', 'check');
  const by = metrics!.totals!.rejectedByReason as Record<string, number>;
  assert.equal(by['403 unsigned notice'], 1, JSON.stringify(by));
  assert.equal(by['403 forged notice: signature does not match'], 1, JSON.stringify(by));
  assert.equal(by[`403 signer not listed: ${pki.hosts.other.dn}`.slice(0, 60)], 1, JSON.stringify(by));
  const log = (await readFile(join(home.cacheDir, 'log', 'subscribe_check_01.log'), 'utf8')).split('\n');
  const refusals = log.filter((l) => /\[WARNING\] .*rejected: 403 /.test(l));
  assert.equal(refusals.length, 3, log.join('\n'));
  assert.ok(refusals.some((l) => l.includes(`rejected: 403 signer not listed: ${pki.hosts.other.dn} ${pump.url}wrongdn.txt`)), refusals.join('\n'));
});
