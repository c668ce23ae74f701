// Integration (real RabbitMQ + nginx): a hostile publisher against a sarra confined to `directory …/root`
// (mirror on) that re-announces downstream: link chains, symlinks already in the tree, file: baseUrls.
// Judged by what is on disk outside the root, by the metrics, and by what reaches the next hop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { startNginx, type NginxHandle } from '@sarra/testkit/nginx';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { nowTimestamp, type Notice } from '@sarra/message';
import { runInstance } from '../src/instance.js';
import { collector, declareExchanges, logTails, publish, readMetrics, total, waitFor, type Collector, snapshot } from './flowkit.js';

let v: TestVhost;
let home: TempHome;
let work: string;
let origin: NginxHandle;
let out: Collector;
let ctl: AbortController;
let runs: Promise<unknown>[] = [];
const PWNED = 'if you read this outside, it leaked\n';
const SECRET = 'local secret of the pump\n';
const sha = (b: Buffer | string): string => createHash('sha512').update(b).digest('base64');


/** What the tests may change: the two roots, and the canary files they publish. */
const outsideRoots = (rel: string): boolean => /^(root|pubroot)(\/|$)|^(src|pub)\/canary(\/|$)/.test(rel);

before(async () => {
  v = await withVhost('sarra-confine');
  home = await tempHome();
  work = await mkdtemp(join(tmpdir(), 'sarra-confine-'));
  await mkdir(join(work, 'src'), { recursive: true });
  await mkdir(join(work, 'root'), { recursive: true });
  await mkdir(join(work, 'elsewhere'), { recursive: true });
  await mkdir(join(work, 'pub'), { recursive: true });
  for (const d of ['up', 'esc']) {
    await mkdir(join(work, 'src', d), { recursive: true });
    await writeFile(join(work, 'src', d, 'pwned.txt'), PWNED);
  }
  for (let i = 0; i < 4; i++) await writeFile(join(work, 'src', `good${i}.txt`), `good file ${i}\n`);
  await writeFile(join(work, 'victim'), 'must survive\n');
  await writeFile(join(work, 'elsewhere', 'victim2'), 'must survive too\n');
  await writeFile(join(work, 'secret.txt'), SECRET);
  await writeFile(join(work, 'pub', 'ok.txt'), 'published locally\n');
  await symlink(join(work, 'secret.txt'), join(work, 'pub', 'leak.txt'));
  // a symlink already inside the tree, made by somebody else
  await symlink(join(work, 'elsewhere'), join(work, 'root', 'esc'));
  await mkdir(join(work, 'root', 'in'), { recursive: true });
  await writeFile(join(work, 'root', 'in', 'mine.txt'), 'a file of the tree\n');
  origin = await startNginx({ root: join(work, 'src') });
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  const broker = `amqp://guest@127.0.0.1:5672/${v.vhost}`;
  const common = [`broker ${broker}`, 'mirror on', `post_broker ${broker}`, 'post_exchange xout', 'post_baseUrl http://127.0.0.1:1/', 'logLevel info'];
  await home.writeConfig('sarra/confine.conf', [...common, 'exchange xin', `directory ${join(work, 'root')}`, `post_baseDir ${join(work, 'root')}`, ''].join('\n'));
  // file: baseUrls are allowed here, but only below baseDir
  await home.writeConfig('sarra/local.conf', [...common, 'exchange xlocal', `baseDir ${join(work, 'pub')}`, `directory ${join(work, 'pubroot')}`, `post_baseDir ${join(work, 'pubroot')}`, ''].join('\n'));
  await declareExchanges(v.url, ['xin', 'xlocal', 'xout']);
  out = await collector(v.url, 'xout');
  ctl = new AbortController();
  runs = ['confine', 'local'].map((config) => runInstance({ component: 'sarra', config, instance: 1, foreground: false, env: home.env, signal: ctl.signal }));
  await waitFor('queues declared', async () => (await v.mgmt.queues(v.vhost)).filter((q) => q.name.startsWith('q_guest.sarra')).length >= 2, 30_000);
});

after(async () => {
  ctl?.abort();
  await Promise.allSettled(runs);
  await out?.close();
  await origin?.cleanup();
  await v?.cleanup();
  await home?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

function fileNotice(rel: string, body: string, over: Partial<Notice> = {}): Notice {
  return { pubTime: nowTimestamp(), baseUrl: origin.url, relPath: rel, identity: { method: 'sha512', value: sha(body) }, size: Buffer.byteLength(body), ...over };
}

function opNotice(rel: string, fileOp: Notice['fileOp']): Notice {
  return { pubTime: nowTimestamp(), baseUrl: origin.url, relPath: rel, fileOp };
}

let canaries = 0;

/**
 * Publishes notices one at a time, each followed by a good "canary" file: the next goes out only once the canary
 * was re-announced downstream, so the one before it was handled (a chain of link notices runs in order).
 */
async function oneByOne(exchange: string, notices: Notice[], local = false): Promise<void> {
  const dir = join(work, local ? 'pub' : 'src');
  const base = local ? `file:${dir}/` : origin.url;
  for (const n of notices) {
    const c = canaries++;
    const rel = `canary/c${c}.txt`;
    await mkdir(join(dir, 'canary'), { recursive: true });
    await writeFile(join(dir, rel), `canary ${c}\n`);
    await publish(v.url, exchange, [n, fileNotice(rel, `canary ${c}\n`, { baseUrl: base })]);
    await waitFor(`canary ${c} after ${n.relPath}`, () => out.got.some((g) => g.relPath.endsWith(`c${c}.txt`)), 30_000, () => logTails(home.cacheDir));
  }
}

/** Waits for the next metrics snapshot of a sarra to count `n` refusals (rejected or failed), and returns its totals. */
async function refusals(config: string, n: number): Promise<Record<string, unknown>> {
  let t: Record<string, unknown> = {};
  await waitFor(`${n} refusals counted by sarra/${config}`, async () => {
    const m = await readMetrics(home.cacheDir, 'sarra', config);
    t = m?.totals ?? {};
    return total(m, 'rejected') + total(m, 'failed') >= n;
  }, 30_000, async () => JSON.stringify(t));
  return t;
}

const announced = (pred: (rel: string) => boolean): string[] => out.got.map((g) => g.relPath).filter(pred);

test('a chain of link notices cannot build a way out: nothing written or removed above the root, not re-announced', { timeout: 120_000 }, async () => {
  const before = await snapshot(work, outsideRoots);
  await oneByOne('xin', [
    opNotice('dot', { link: '.' }),
    opNotice('up', { link: 'dot/..' }),
    fileNotice('up/pwned.txt', PWNED),
    opNotice('up/victim', { remove: '' }),
    opNotice('sub/loop', { link: '..' }),
    opNotice('abs', { link: '/' }),
  ]);
  assert.deepEqual(await snapshot(work, outsideRoots), before, 'nothing outside the root created, changed or removed');
  assert.equal(await readFile(join(work, 'victim'), 'utf8'), 'must survive\n');
  await assert.rejects(lstat(join(work, 'pwned.txt')), 'pwned.txt not written above the root');
  await assert.rejects(lstat(join(work, 'root', 'dot')), 'the dot link was not made');
  // `up` was refused as a link; the file notice then made a plain directory of that name inside the root
  assert.ok(!(await lstat(join(work, 'root', 'up')).catch(() => undefined))?.isSymbolicLink(), 'the up link was not made');
  assert.deepEqual(announced((r) => ['dot', 'up', 'sub/loop', 'abs'].includes(r)), [], 'the links were not re-announced to the next hop');
  await refusals('confine', 4);
});

test('a symlink already in the tree is not followed for a write, a remove or a rename', { timeout: 120_000 }, async () => {
  const before = await snapshot(work, outsideRoots);
  const m0 = await readMetrics(home.cacheDir, 'sarra', 'confine');
  const n0 = total(m0, 'rejected') + total(m0, 'failed');
  await oneByOne('xin', [
    fileNotice('esc/pwned.txt', PWNED),
    opNotice('esc/victim2', { remove: '' }),
    opNotice('in/stolen', { rename: 'esc/victim2' }),
    opNotice('esc/planted', { rename: 'in/mine.txt' }),
    opNotice('esc/made', { directory: '' }),
  ]);
  assert.deepEqual(await snapshot(work, outsideRoots), before, 'nothing outside the root created, changed or removed');
  assert.equal(await readFile(join(work, 'elsewhere', 'victim2'), 'utf8'), 'must survive too\n');
  assert.equal(await readFile(join(work, 'root', 'in', 'mine.txt'), 'utf8'), 'a file of the tree\n', 'the tree file was not moved out');
  await assert.rejects(lstat(join(work, 'root', 'in', 'stolen')), 'nothing moved in from behind the link');
  await refusals('confine', n0 + 5);
  // a valid notice after them is delivered (the canaries were); one more, by name
  await oneByOne('xin', [fileNotice('good0.txt', 'good file 0\n')]);
  assert.equal(await readFile(join(work, 'root', 'good0.txt'), 'utf8'), 'good file 0\n');
});

test('file: baseUrls: refused without baseDir; with baseDir only below it, and not through a symlink out of it', { timeout: 120_000 }, async () => {
  const before = await snapshot(work, outsideRoots);
  const m0 = await readMetrics(home.cacheDir, 'sarra', 'confine');
  const n0 = total(m0, 'rejected') + total(m0, 'failed');
  await oneByOne('xin', [
    fileNotice('etc/hostname', 'x', { baseUrl: 'file:/', size: undefined, identity: undefined }),
    fileNotice(`${work.slice(1)}/secret.txt`, SECRET, { baseUrl: 'file:///' }),
    fileNotice('secret.txt', SECRET, { baseUrl: `file://localhost${work}/` }),
  ]);
  await refusals('confine', n0 + 3);
  assert.deepEqual(announced((r) => /hostname|secret/.test(r)), [], 'no local file re-announced');
  await assert.rejects(lstat(join(work, 'root', 'etc')), 'no copy of /etc/hostname in the tree');
  // the local sarra reads file: below its baseDir only
  const m1 = await readMetrics(home.cacheDir, 'sarra', 'local');
  const l0 = total(m1, 'rejected') + total(m1, 'failed');
  await oneByOne('xlocal', [
    fileNotice('secret.txt', SECRET, { baseUrl: `file:${work}/` }),
    fileNotice('leak.txt', SECRET, { baseUrl: `file:${work}/pub/` }),
    fileNotice('ok.txt', 'published locally\n', { baseUrl: `file:${work}/pub/` }),
  ], true);
  await refusals('local', l0 + 2);
  assert.equal(await readFile(join(work, 'pubroot', 'ok.txt'), 'utf8'), 'published locally\n', 'the file below baseDir was copied');
  await assert.rejects(lstat(join(work, 'pubroot', 'secret.txt')), 'nothing read above baseDir');
  await assert.rejects(lstat(join(work, 'pubroot', 'leak.txt')), 'nothing read through a symlink out of baseDir');
  assert.deepEqual(announced((r) => /secret|leak/.test(r)), [], 'no local secret re-announced');
  assert.deepEqual(await snapshot(work, outsideRoots), before, 'nothing outside the roots created, changed or removed');
});
