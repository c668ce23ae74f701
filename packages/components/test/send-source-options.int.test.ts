// Integration (real RabbitMQ, nginx, sshd): sender dry_run and byteRateMax over SFTP, a sarra's sourceFromMessage
// against sourceFromExchange, and post with follow_symlinks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { startNginx, type NginxHandle } from '@sarra/testkit/nginx';
import { startSshd, type SshdHandle } from '@sarra/testkit/sshd';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { runInstance } from '../src/instance.js';
import { collector, consumed, declareExchanges, logTails, noticesFor, publish, waitFor as waitUntil } from './flowkit.js';

let v: TestVhost;
let home: TempHome;
let work: string;
let origin: NginxHandle;
let sshd: SshdHandle;

const waitFor = (what: string, cond: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> =>
  waitUntil(what, cond, ms, () => logTails(home.cacheDir, 20));
const broker = (): string => `amqp://guest@127.0.0.1:5672/${v.vhost}`;
const start = (component: string, config: string, signal: AbortSignal): Promise<number> =>
  runInstance({ component, config, instance: 1, foreground: false, env: home.env, signal });
const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

const consuming = (...configs: string[]): Promise<void> =>
  waitFor(`${configs.join(', ')} consuming`, () => consumed(v.mgmt, v.vhost, configs));

async function logOf(component: string, config: string): Promise<string> {
  const dir = join(home.cacheDir, 'log');
  const f = (await readdir(dir)).find((n) => n.startsWith(`${component}_${config}_`) && n.endsWith('.log'));
  return f ? readFile(join(dir, f), 'utf8') : '';
}

before(async () => {
  v = await withVhost('sarra-sendopts');
  home = await tempHome();
  work = await mkdtemp(join(tmpdir(), 'sendopts-'));
  await mkdir(join(work, 'src', 'd'), { recursive: true });
  await writeFile(join(work, 'src', 'd', 'a.txt'), 'aaa\n');
  await writeFile(join(work, 'src', 'd', 'big.bin'), Buffer.alloc(256 * 1024, 9));
  origin = await startNginx({ root: join(work, 'src') });
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

test('sender: dry_run sends nothing and says what it would; byteRateMax paces an SFTP send', { timeout: 90_000 }, async () => {
  await declareExchanges(v.url, ['xsdry', 'xsrate']);
  const sender = (name: string, exchange: string, extra: string[]): Promise<string> => home.writeConfig(`sender/${name}.conf`, [
    `broker ${broker()}`, `exchange ${exchange}`, `sendTo ${sshd.url}/`, `baseDir ${join(work, 'src')}`, 'mirror on',
    `directory ${join(sshd.root, name)}`, 'attempts 1', 'logLevel info', ...extra, ''].join('\n'));
  await sender('sdry', 'xsdry', ['dry_run on']);
  await sender('srate', 'xsrate', ['byteRateMax 128k']);
  const ac = new AbortController();
  const runs = [start('sender', 'sdry', ac.signal), start('sender', 'srate', ac.signal)];
  let ms = 0;
  try {
    await consuming('sender.sdry', 'sender.srate');
    const ns = await noticesFor(join(work, 'src'), 'file:/');
    await publish(v.url, 'xsdry', ns);
    const t0 = Date.now();
    await publish(v.url, 'xsrate', ns.filter((n) => n.relPath.endsWith('big.bin')));
    await waitFor('big.bin sent at 128k', () => exists(join(sshd.root, 'srate', 'd', 'big.bin')));
    ms = Date.now() - t0;
    await waitFor('dry run simulated both', async () => ((await logOf('sender', 'sdry')).match(/dry_run: would send/g) ?? []).length >= 2);
  } finally {
    ac.abort();
    for (const r of runs) assert.equal(await r, 0);
  }
  assert.equal(await exists(join(sshd.root, 'sdry')), false, 'dry_run made nothing on the server');
  assert.deepEqual(await readFile(join(sshd.root, 'srate', 'd', 'big.bin')), Buffer.alloc(256 * 1024, 9));
  assert.ok(ms >= 1500, `256 KiB at byteRateMax 128k took ${ms} ms`);
});

test('sarra: sourceFromExchange overwrites a notice\'s source with the xs_ user; sourceFromMessage keeps it', { timeout: 90_000 }, async () => {
  await declareExchanges(v.url, ['xs_guest', 'xkeepsrc', 'xexsrc']);
  const sarra = (name: string, out: string, extra: string[]): Promise<string> => home.writeConfig(`sarra/${name}.conf`, [
    `broker ${broker()}`, 'exchange xs_guest', `directory ${join(work, name)}`, 'mirror on', 'sourceFromExchange on',
    `post_broker ${broker()}`, `post_exchange ${out}`, `post_baseUrl http://pump.example/`, ...extra, ''].join('\n'));
  await sarra('keepsrc', 'xkeepsrc', ['sourceFromMessage on']);
  await sarra('exsrc', 'xexsrc', []);
  const kept = await collector(v.url, 'xkeepsrc');
  const ex = await collector(v.url, 'xexsrc');
  const ac = new AbortController();
  const runs = [start('sarra', 'keepsrc', ac.signal), start('sarra', 'exsrc', ac.signal)];
  try {
    await consuming('sarra.keepsrc', 'sarra.exsrc');
    const [a] = await noticesFor(join(work, 'src'), origin.url, (rel) => rel.endsWith('a.txt'));
    await publish(v.url, 'xs_guest', [{ ...a!, source: 'upstream' }]);
    await waitFor('both re-announced', () => kept.got.length >= 1 && ex.got.length >= 1);
  } finally {
    ac.abort();
    for (const r of runs) assert.equal(await r, 0);
    await kept.close();
    await ex.close();
  }
  assert.equal(kept.got[0]!.source, 'upstream', 'sourceFromMessage: the notice\'s own source');
  assert.equal(ex.got[0]!.source, 'guest', 'sourceFromExchange alone: the exchange\'s user');
});

test('post with follow_symlinks announces the link and the files of the linked directory through it; without, only the link', { timeout: 60_000 }, async () => {
  const tree = join(work, 'tree');
  await mkdir(join(work, 'elsewhere'), { recursive: true });
  await mkdir(tree, { recursive: true });
  await writeFile(join(work, 'elsewhere', 'x.txt'), 'x');
  await writeFile(join(tree, 'own.txt'), 'own');
  await symlink(join(work, 'elsewhere'), join(tree, 'ext'));
  await declareExchanges(v.url, ['xfollow', 'xnofollow']);
  const got: Record<string, string[]> = {};
  for (const [name, follow] of [['xfollow', 'on'], ['xnofollow', 'off']] as const) {
    await home.writeConfig(`post/${name}.conf`, [`post_broker ${broker()}`, `post_exchange ${name}`, 'post_baseUrl file:/',
      `post_baseDir ${work}`, `follow_symlinks ${follow}`, ''].join('\n'));
    const c = await collector(v.url, name);
    assert.equal(await runInstance({ component: 'post', config: name, instance: 1, foreground: false, env: home.env, paths: [tree] }), 0);
    await c.settle(500, 10_000);
    got[name] = c.got.map((n) => `${n.fileOp?.link !== undefined ? 'link' : n.fileOp?.directory !== undefined ? 'dir' : 'file'} ${n.relPath}`).sort();
    await c.close();
  }
  assert.deepEqual(got.xfollow, ['dir tree', 'file tree/ext/x.txt', 'file tree/own.txt', 'link tree/ext']);
  assert.deepEqual(got.xnofollow, ['dir tree', 'file tree/own.txt', 'link tree/ext']);
});
