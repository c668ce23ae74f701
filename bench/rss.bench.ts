// Benchmark (issues 16 and 17): RSS of one subscribe and one shovel instance, each its own process as `sr start` runs
// it (bench/proc.ts: built JS, the supervisor's node flags): idle (max of 5 samples after 5 s), peak (VmHWM) while
// it works, settled (10 s after the work), beside the target (an sr3 instance peaks at 52-54 MB over the same kind
// of work) and two floors measured in the same run: node itself (an empty script) and a bare amqplib consumer taking
// the same notices as the shovel. Where the rest goes: RssAnon (heap, buffers, malloc) vs RssFile (code mapped).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, readdir, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Publisher, declareTopology, openConnection } from '@sarra/broker';
import { nowTimestamp, type Notice } from '@sarra/message';
import { withVhost } from '@sarra/testkit/rabbit';
import { tempHome } from '@sarra/testkit/home';
import { startNginx } from '@sarra/testkit/nginx';
import { publish, waitFor } from '../packages/components/test/flowkit.js';
import { cpuMs, instanceRuntime, procMB, spawnInstance } from './proc.js';

const FILES = Number(process.env.RSS_BENCH_FILES ?? 2000);
const NOTICES = Number(process.env.RSS_BENCH_NOTICES ?? 20_000);
const DIRS = 20;
const root = join(import.meta.dirname, '..');
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** RssAnon and RssFile of a process, MB (/proc/<pid>/status). */
async function split(pid: number): Promise<string> {
  const s = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (f: string): number => Number(new RegExp(`${f}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) / 1024;
  return `anon ${kb('RssAnon').toFixed(1)} + file ${kb('RssFile').toFixed(1)} MB`;
}

/** The highest of 5 samples, one a second, after 5 s idle. */
async function idleRss(pid: number): Promise<number> {
  await sleep(5000);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(await procMB(pid, 'VmRSS'));
    await sleep(1000);
  }
  return Math.max(...samples);
}

interface Figures { idle: number; peak: number; settled: number; parts: string; cpu: number }

/** Idle figure, then `work()` (resolves when done), then peak and, 10 s later, settled. */
async function measure(pid: number, work: () => Promise<void>): Promise<Figures> {
  const idle = await idleRss(pid);
  const cpu0 = await cpuMs(pid);
  await work();
  const peak = await procMB(pid, 'VmHWM');
  const cpu = (await cpuMs(pid)) - cpu0;
  await sleep(10_000);
  return { idle, peak, settled: await procMB(pid, 'VmRSS'), parts: await split(pid), cpu };
}

function body(i: number): Buffer {
  return Buffer.from(JSON.stringify({
    pubTime: '20250105T120000.123456789', baseUrl: 'https://dd.weather.gc.ca',
    relPath: `/20250105/WXO-DD/bulletins/alphanumeric/20250105/SA/CWAO/12/SACN${String(i % 100).padStart(2, '0')}_CWAO_051200___${i}`,
    size: 1234 + (i % 97), identity: { method: 'sha512', value: Buffer.from(`rss ${i}`).toString('base64') }, mtime: '20250105T115959.5',
  }));
}

/** Publishes NOTICES v03 notices on `exchange` with confirms. */
async function feed(url: string, exchange: string): Promise<void> {
  const p = new Publisher({ url });
  await p.start();
  for (let i = 0; i < NOTICES; i++) {
    p.publish(exchange, 'v03.20250105.WXO-DD.bulletins', body(i), { contentType: 'application/json' });
    if ((i + 1) % 5000 === 0) await p.flush();
  }
  await p.flush();
  await p.close();
}

/** A bare amqplib consumer (connect, one channel, prefetch 25, ack each): the floor an instance sits on. */
const BARE = (url: string, queue: string): string => [
  "import amqplib from 'amqplib';",
  `const c = await amqplib.connect(${JSON.stringify(url)});`,
  'const ch = await c.createChannel();',
  'await ch.prefetch(25);',
  `await ch.consume(${JSON.stringify(queue)}, (m) => { if (m) ch.ack(m); });`,
  "process.stdout.write('consuming\\n');",
  "process.once('SIGTERM', () => { void c.close().then(() => process.exit(0)); });",
].join('\n');

/** Files landed under `d` (inflight names excluded). */
async function landed(d: string): Promise<number> {
  let n = 0;
  for (let i = 0; i < DIRS; i++) {
    try { n += (await readdir(join(d, `d${i}`))).filter((f) => f.endsWith('.dat')).length; } catch { /* not yet made */ }
  }
  return n;
}

const dir = await mkdtemp(join(tmpdir(), 'rss-bench-'));
const www = join(dir, 'www');
const notices: Notice[] = [];
for (let d = 0; d < DIRS; d++) {
  await mkdir(join(www, `d${d}`), { recursive: true });
  for (let f = 0; f < FILES / DIRS; f++) {
    const data = randomBytes(4096);
    await writeFile(join(www, `d${d}`, `f${f}.dat`), data);
    notices.push({ pubTime: nowTimestamp(), baseUrl: 'http://x/', relPath: `/d${d}/f${f}.dat`, size: 4096,
      identity: { method: 'sha512', value: createHash('sha512').update(data).digest('base64') } });
  }
}
const nginx = await startNginx({ root: www });
const v = await withVhost('sarra-bench-rss');
const home = await tempHome();
const broker = `amqp://guest@127.0.0.1:5672/${v.vhost}`;
/** Every process started here, killed in the end whatever happened. */
const started: ChildProcess[] = [];
console.log(`instances: ${instanceRuntime()}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
try {
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  const conn = await openConnection({ url: v.url });
  const ch = await conn.createChannel();

  // node itself: the floor under everything below
  const empty = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  started.push(empty);
  await sleep(1000);
  const nodeRss = await procMB(empty.pid!, 'VmRSS');
  empty.kill();

  // subscribe: FILES files of 4 KiB from nginx, sr3 defaults (batch 100, prefetch 25)
  const qSub = 'q_guest.subscribe.rss';
  await declareTopology({ url: v.url, exchanges: ['xrsub'], queue: { name: qSub, durable: true, expires: 300_000 }, bindings: [{ exchange: 'xrsub', key: 'v03.#' }] });
  const dest = join(dir, 'dl');
  await home.writeConfig('subscribe/rss.conf', [`broker ${broker}`, 'exchange xrsub', `queueName ${qSub}`, `directory ${dest}`, 'mirror on', 'logLevel warning', ''].join('\n'));
  const sub = spawnInstance(home.env, 'subscribe', 'rss');
  started.push(sub.child);
  await waitFor('the subscribe consuming', async () => (await v.mgmt.queues(v.vhost)).some((q) => q.name === qSub && q.consumers > 0), 60_000);
  const subF = await measure(sub.child.pid!, async () => {
    await publish(v.url, 'xrsub', notices.map((n) => ({ ...n, baseUrl: nginx.url })));
    await waitFor(`${FILES} files`, async () => (await landed(dest)) >= FILES, 300_000);
  });
  sub.child.kill('SIGTERM');
  const subCode = await sub.exited;

  // shovel: NOTICES v03 notices relayed, sr3 defaults
  const qSh = 'q_guest.shovel.rss';
  await declareTopology({ url: v.url, exchanges: ['xrin', 'xrout'], queue: { name: qSh, durable: true, expires: 300_000 }, bindings: [{ exchange: 'xrin', key: 'v03.#' }] });
  await declareTopology({ url: v.url, exchanges: [], queue: { name: 'q_rss_sink' }, bindings: [{ exchange: 'xrout', key: '#' }] });
  await home.writeConfig('shovel/rss.conf', [`broker ${broker}`, 'exchange xrin', `queueName ${qSh}`, `post_broker ${broker}`, 'post_exchange xrout', 'logLevel warning', ''].join('\n'));
  const sh = spawnInstance(home.env, 'shovel', 'rss');
  started.push(sh.child);
  await waitFor('the shovel consuming', async () => (await v.mgmt.queues(v.vhost)).some((q) => q.name === qSh && q.consumers > 0), 60_000);
  const shF = await measure(sh.child.pid!, async () => {
    await feed(v.url, 'xrin');
    await waitFor(`${NOTICES} notices relayed`, async () => (await ch.checkQueue('q_rss_sink')).messageCount >= NOTICES, 300_000);
  });
  sh.child.kill('SIGTERM');
  const shCode = await sh.exited;

  // the bare amqplib consumer over the same NOTICES notices
  const qBare = 'q_rss_bare';
  await declareTopology({ url: v.url, exchanges: [], queue: { name: qBare }, bindings: [{ exchange: 'xrin', key: '#' }] });
  const bare = spawn(process.execPath, ['--input-type=module', '-e', BARE(v.url, qBare)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(bare);
  await new Promise<void>((r) => bare.stdout.once('data', () => r()));
  const bareF = await measure(bare.pid!, async () => {
    await feed(v.url, 'xrin');
    await waitFor('the bare consumer done', async () => { const q = await ch.checkQueue(qBare); return q.messageCount === 0; }, 300_000);
    await sleep(500);
  });
  bare.kill('SIGTERM');
  await new Promise((r) => bare.once('exit', r));
  await conn.close();

  const line = (label: string, f: Figures): string => `${label}: idle ${f.idle.toFixed(1)} MB, peak ${f.peak.toFixed(1)} MB, settled ${f.settled.toFixed(1)} MB [settled ${f.parts}; CPU of the work ${fmt(f.cpu)} ms]`;
  console.log(line(`subscribe instance, ${FILES} files of 4 KiB`, subF) + ` (target: peak <= sr3's 52-54 MB) [exit ${subCode}]`);
  console.log(line(`shovel instance, ${NOTICES} notices`, shF) + ` (target: peak <= sr3's 52-54 MB) [exit ${shCode}]`);
  console.log(line(`bare amqplib consumer, ${NOTICES} notices (same run)`, bareF) + `; node itself ${nodeRss.toFixed(1)} MB`);
  console.log(`  over the bare consumer: subscribe peak +${(subF.peak - bareF.peak).toFixed(1)} MB, shovel peak +${(shF.peak - bareF.peak).toFixed(1)} MB; idle +${(subF.idle - bareF.idle).toFixed(1)} MB`);
} finally {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  await nginx.cleanup();
  await v.cleanup();
  await home.cleanup();
  await rm(dir, { recursive: true, force: true });
}
