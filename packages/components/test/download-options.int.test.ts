// Integration (real RabbitMQ, nginx, sshd) of the download/filter options: fileSizeMax and inlineOnly (report codes),
// retry_refilter across a restart, dry_run, overwrite off, acceptSizeWrong, delete (sftp source), discard, byteRateMax.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { startNginx, type NginxHandle } from '@sarra/testkit/nginx';
import { startSshd, type SshdHandle } from '@sarra/testkit/sshd';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { nowTimestamp, type Notice } from '@sarra/message';
import { runInstance } from '../src/instance.js';
import { collector, consumed, declareExchanges, logTails, noticesFor, publish, readMetrics, total, waitFor as waitUntil } from './flowkit.js';

let v: TestVhost;
let home: TempHome;
let work: string;
let origin: NginxHandle;
let sshd: SshdHandle;
const sha = (b: Buffer): string => createHash('sha512').update(b).digest('base64');

const waitFor = (what: string, cond: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> =>
  waitUntil(what, cond, ms, () => logTails(home.cacheDir, 20));

function broker(): string {
  return `amqp://guest@127.0.0.1:5672/${v.vhost}`;
}

/** A subscribe configuration consuming `exchange` into `<work>/<name>`, with `extra` lines. */
function subscribe(name: string, exchange: string, extra: string[]): Promise<string> {
  return home.writeConfig(`subscribe/${name}.conf`, [
    `broker ${broker()}`, `exchange ${exchange}`, `directory ${join(work, name)}`, 'mirror off', 'attempts 1', 'logLevel info', ...extra, '',
  ].join('\n'));
}

function start(component: string, config: string, signal: AbortSignal): Promise<number> {
  return runInstance({ component, config, instance: 1, foreground: false, env: home.env, signal });
}

const consuming = (...configs: string[]): Promise<void> =>
  waitFor(`${configs.join(', ')} consuming`, () => consumed(v.mgmt, v.vhost, configs));

async function logOf(component: string, config: string): Promise<string> {
  const dir = join(home.cacheDir, 'log');
  const f = (await readdir(dir)).find((n) => n.startsWith(`${component}_${config}_`) && n.endsWith('.log'));
  return f ? readFile(join(dir, f), 'utf8') : '';
}

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

before(async () => {
  v = await withVhost('sarra-dlopts');
  home = await tempHome();
  work = await mkdtemp(join(tmpdir(), 'dlopts-'));
  await mkdir(join(work, 'www'));
  await writeFile(join(work, 'www', 'small.txt'), Buffer.alloc(500, 0x61));
  await writeFile(join(work, 'www', 'big.txt'), Buffer.alloc(5000, 0x62));
  await writeFile(join(work, 'www', 'rate.bin'), Buffer.alloc(512 * 1024, 0x63));
  origin = await startNginx({ root: join(work, 'www') });
  sshd = await startSshd();
  await home.writeConfig('credentials.conf', `${v.url}\n${sshd.url}/ ssh_keyfile=${sshd.keyFile},known_hosts=${sshd.knownHosts}\n`);
});

after(async () => {
  await origin?.cleanup();
  await sshd?.cleanup();
  await v?.cleanup();
  await home?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

test('fileSizeMax and inlineOnly: refused notices are acked and reported 413 / 415, the others delivered', { timeout: 90_000 }, async () => {
  await declareExchanges(v.url, ['xsize', 'xinl']);
  await subscribe('size', 'xsize', ['fileSizeMax 1k', 'report on']);
  await subscribe('inl', 'xinl', ['inlineOnly on', 'report on']);
  const reports = await collector(v.url, 'xr_guest');
  const ac = new AbortController();
  const runs = [start('subscribe', 'size', ac.signal), start('subscribe', 'inl', ac.signal)];
  try {
    await consuming('subscribe.size', 'subscribe.inl');
    const files = await noticesFor(join(work, 'www'), origin.url, (rel) => rel !== 'rate.bin');
    const body = Buffer.from('inline body\n');
    const inline: Notice = { pubTime: nowTimestamp(), baseUrl: origin.url, relPath: '/inline.txt', size: body.length,
      identity: { method: 'sha512', value: sha(body) }, content: { encoding: 'utf-8', value: body.toString() } };
    await publish(v.url, 'xsize', files);
    await publish(v.url, 'xinl', [...files, inline]);
    await waitFor('small.txt delivered under fileSizeMax', () => exists(join(work, 'size', 'small.txt')));
    await waitFor('inline.txt delivered under inlineOnly', () => exists(join(work, 'inl', 'inline.txt')));
    await waitFor('the reports', () => reports.got.filter((n) => n.report?.code === 413 || n.report?.code === 415).length >= 3);
  } finally {
    ac.abort();
    for (const r of runs) assert.equal(await r, 0);
    await reports.close();
  }
  assert.deepEqual(await readdir(join(work, 'size')), ['small.txt'], 'big.txt (5000 bytes > 1k) not downloaded');
  assert.deepEqual(await readdir(join(work, 'inl')), ['inline.txt'], 'notices without inline content not taken');
  const code = (rel: string, c: number): boolean => reports.got.some((n) => n.relPath === rel && n.report?.code === c);
  assert.ok(code('/big.txt', 413), 'big.txt reported 413');
  assert.ok(code('/small.txt', 415) && code('/big.txt', 415), 'the fetched ones reported 415 by the inlineOnly subscriber');
  await waitFor('queues drained', async () => (await v.mgmt.queues(v.vhost)).every((q) => q.messages === 0), 20_000);
});

test('retry_refilter: after a restart with a new reject line, a queued retry is filtered again and dropped', { timeout: 120_000 }, async () => {
  await mkdir(join(work, 'late'));
  await writeFile(join(work, 'late', 'a.txt'), 'aaa');
  await writeFile(join(work, 'late', 'b.txt'), 'bbb');
  const late = await startNginx({ root: join(work, 'late') });
  await late.stop(); // the origin is down: both downloads fail and wait in the retry queue
  try {
    await declareExchanges(v.url, ['xrefilter']);
    await subscribe('refilter', 'xrefilter', ['retry_refilter on', 'timeout 2']);
    const ac = new AbortController();
    const run = start('subscribe', 'refilter', ac.signal);
    try {
      await consuming('subscribe.refilter');
      await publish(v.url, 'xrefilter', await noticesFor(join(work, 'late'), late.url));
      await waitFor('both in the retry queue', async () => total(await readMetrics(home.cacheDir, 'subscribe', 'refilter'), 'failed') >= 2, 60_000);
    } finally {
      ac.abort();
      assert.equal(await run, 0);
    }
    // the operator now rejects b.txt and the origin is back
    await subscribe('refilter', 'xrefilter', ['retry_refilter on', 'timeout 2', 'reject .*/b\\.txt', 'accept .*']);
    await late.start();
    const ac2 = new AbortController();
    const run2 = start('subscribe', 'refilter', ac2.signal);
    try {
      await waitFor('a.txt downloaded from the retry queue', () => exists(join(work, 'refilter', 'a.txt')), 60_000);
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      ac2.abort();
      assert.equal(await run2, 0);
    }
    assert.deepEqual(await readdir(join(work, 'refilter')), ['a.txt'], 'b.txt was filtered again and rejected, not downloaded');
  } finally {
    await late.cleanup();
  }
});

test('dry_run, overwrite off, acceptSizeWrong, discard and byteRateMax on real downloads', { timeout: 120_000 }, async () => {
  const ex = ['xdry', 'xkeep', 'xsw', 'xdisc', 'xrate'];
  await declareExchanges(v.url, [...ex, 'xsw_out', 'xdisc_out', 'xkeep_out']);
  const post = (out: string): string[] => [`post_broker ${broker()}`, `post_exchange ${out}`, `post_baseUrl http://pump.example/`];
  await subscribe('dry', 'xdry', ['dry_run on']);
  await subscribe('keep', 'xkeep', ['overwrite off', 'report on', ...post('xkeep_out')]);
  await subscribe('sw', 'xsw', ['acceptSizeWrong on', ...post('xsw_out')]);
  await subscribe('disc', 'xdisc', ['discard on', ...post('xdisc_out')]);
  await subscribe('rate', 'xrate', ['byteRateMax 256k']);
  const kept = await collector(v.url, 'xkeep_out');
  const sw = await collector(v.url, 'xsw_out');
  const disc = await collector(v.url, 'xdisc_out');
  const reports = await collector(v.url, 'xr_guest');
  const ac = new AbortController();
  const runs = ['dry', 'keep', 'sw', 'disc', 'rate'].map((c) => start('subscribe', c, ac.signal));
  let rateMs = 0;
  try {
    await consuming('subscribe.dry', 'subscribe.keep', 'subscribe.sw', 'subscribe.disc', 'subscribe.rate');
    const all = await noticesFor(join(work, 'www'), origin.url);
    const small = all.filter((n) => n.relPath === '/small.txt');
    await publish(v.url, 'xdry', all);
    await publish(v.url, 'xkeep', small);
    await publish(v.url, 'xdisc', small);
    // the notice announced 300 bytes; the file has 500 by the time it is fetched
    await publish(v.url, 'xsw', small.map((n) => ({ ...n, size: 300, identity: { method: 'sha512' as const, value: sha(Buffer.alloc(300, 0x61)) } })));
    const t0 = Date.now();
    await publish(v.url, 'xrate', all.filter((n) => n.relPath === '/rate.bin'));
    await waitFor('rate.bin paced in', () => exists(join(work, 'rate', 'rate.bin')));
    rateMs = Date.now() - t0;
    await waitFor('keep: first copy announced', () => kept.got.length >= 1);
    const first = await stat(join(work, 'keep', 'small.txt'));
    await publish(v.url, 'xkeep', small);
    await waitFor('keep: the identical one reported 304', () => reports.got.some((n) => n.report?.code === 304));
    assert.equal((await stat(join(work, 'keep', 'small.txt'))).ino, first.ino, 'the identical local file was left in place');
    await waitFor('sw: announced', () => sw.got.length >= 1);
    await waitFor('disc: announced and removed', async () => disc.got.length >= 1 && !(await exists(join(work, 'disc', 'small.txt'))));
    await waitFor('dry: all three simulated', async () => ((await logOf('subscribe', 'dry')).match(/dry_run: would download/g) ?? []).length >= 3);
  } finally {
    ac.abort();
    for (const r of runs) assert.equal(await r, 0);
    for (const c of [kept, sw, disc, reports]) await c.close();
  }
  assert.equal(await exists(join(work, 'dry')), false, 'dry_run wrote nothing, made no directory');
  assert.equal(kept.got.length, 1, 'overwrite off: the identical file was not downloaded nor announced again');
  assert.equal(sw.got[0]!.size, 500, 'acceptSizeWrong: announced with the size received');
  assert.equal(sw.got[0]!.identity?.value, sha(Buffer.alloc(500, 0x61)), 'and its checksum');
  assert.deepEqual(await readFile(join(work, 'sw', 'small.txt')), Buffer.alloc(500, 0x61));
  assert.ok(rateMs >= 1500, `512 KiB at byteRateMax 256k took ${rateMs} ms`);
});

test('delete: an sftp source is removed once downloaded', { timeout: 90_000 }, async () => {
  await mkdir(join(sshd.root, 'outbox'), { recursive: true });
  await writeFile(join(sshd.root, 'outbox', 'one.txt'), 'one\n');
  await writeFile(join(sshd.root, 'outbox', 'two.txt'), 'two\n');
  await declareExchanges(v.url, ['xdel']);
  await subscribe('del', 'xdel', ['delete on']);
  const ac = new AbortController();
  const run = start('subscribe', 'del', ac.signal);
  try {
    await consuming('subscribe.del');
    const ns = (await noticesFor(join(sshd.root, 'outbox'), `${sshd.url}/`)).map((n) => ({ ...n, relPath: `outbox${n.relPath}` }));
    await publish(v.url, 'xdel', ns);
    await waitFor('both downloaded and removed upstream', async () =>
      (await readdir(join(sshd.root, 'outbox'))).length === 0 && (await readdir(join(work, 'del')).catch(() => [])).length === 2);
  } finally {
    ac.abort();
    assert.equal(await run, 0);
  }
  assert.equal(await readFile(join(work, 'del', 'one.txt'), 'utf8'), 'one\n');
});
