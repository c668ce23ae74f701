// Benchmark (issue 17 item 5): one and two instance processes of the same subscribe (one shared queue) downloading
// 4,000 files of 4 KiB from nginx on this 2-core machine: files per second each way (how far `instances` scales);
// peak (VmHWM) and settled (10 s idle) RSS of an instance, beside its idle RSS before any work (the baseline) and the
// 52-54 MB an sr3 instance peaks at; once more with node's default young generation instead of the supervisor's
// flag. Instances run as their own processes (bench/proc.ts: the supervisor's flags and environment). Never fails on
// timing.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { declareTopology } from '@sarra/broker';
import { nowTimestamp, type Notice } from '@sarra/message';
import { withVhost } from '@sarra/testkit/rabbit';
import { tempHome } from '@sarra/testkit/home';
import { startNginx } from '@sarra/testkit/nginx';
import { publish, waitFor } from '../packages/components/test/flowkit.js';
import { instanceRuntime, procMB, spawnInstance } from './proc.js';

const FILES = Number(process.env.INSTANCES_BENCH_FILES ?? 4000);
const DIRS = 20;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');

const dir = await mkdtemp(join(tmpdir(), 'inst-bench-'));
const root = join(dir, 'www');
const notices: Notice[] = [];
for (let d = 0; d < DIRS; d++) {
  await mkdir(join(root, `d${d}`), { recursive: true });
  for (let f = 0; f < FILES / DIRS; f++) {
    const data = randomBytes(4096);
    await writeFile(join(root, `d${d}`, `f${f}.dat`), data);
    notices.push({ pubTime: nowTimestamp(), baseUrl: 'http://x/', relPath: `/d${d}/f${f}.dat`, size: 4096,
      identity: { method: 'sha512', value: createHash('sha512').update(data).digest('base64') } });
  }
}
const nginx = await startNginx({ root });
const v = await withVhost('sarra-bench-inst');
const home = await tempHome();

/** Files landed under `d` (inflight names excluded). */
async function landed(d: string): Promise<number> {
  let n = 0;
  for (let i = 0; i < DIRS; i++) {
    try { n += (await readdir(join(d, `d${i}`))).filter((f) => f.endsWith('.dat')).length; } catch { /* not yet made */ }
  }
  return n;
}

/** `count` instances of one subscribe over the pre-loaded queue: files/s, and the first instance's RSS figures. */
async function run(name: string, count: number, nodeArgs: string[] = []): Promise<{ rate: number; idle: number; peak: number; settled: number }> {
  const queue = `q_guest.subscribe.${name}`;
  await declareTopology({ url: v.url, exchanges: [`x${name}`], queue: { name: queue, durable: true, expires: 300_000 }, bindings: [{ exchange: `x${name}`, key: 'v03.#' }] });
  const dest = join(dir, name);
  await home.writeConfig(`subscribe/${name}.conf`, [
    `broker amqp://guest@127.0.0.1:5672/${v.vhost}`, `exchange x${name}`, `queueName ${queue}`, `directory ${dest}`,
    'mirror on', 'batch 100', 'prefetch 200', 'logLevel warning', '',
  ].join('\n'));
  const procs = Array.from({ length: count }, (_, i) => spawnInstance(home.env, 'subscribe', name, i + 1, nodeArgs));
  try {
    await waitFor(`${count} consumer(s)`, async () => (await v.mgmt.queues(v.vhost)).find((q) => q.name === queue)?.consumers === count, 60_000);
    await sleep(2000);
    const idle = await procMB(procs[0]!.child.pid!, 'VmRSS');
    await publish(v.url, `x${name}`, notices.map((n) => ({ ...n, baseUrl: nginx.url })));
    const t0 = performance.now();
    let first = 0, firstAt = t0;
    for (;;) {
      const n = await landed(dest);
      if (!first && n > 0) { first = n; firstAt = performance.now(); }
      if (n >= FILES) break;
      if (performance.now() - t0 > 300_000) throw new Error(`stalled at ${n} of ${FILES}`);
      await sleep(50);
    }
    const rate = (FILES - first) / ((performance.now() - firstAt) / 1000);
    const peak = await procMB(procs[0]!.child.pid!, 'VmHWM');
    await sleep(10_000);
    return { rate, idle, peak, settled: await procMB(procs[0]!.child.pid!, 'VmRSS') };
  } finally {
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exited));
  }
}

console.log(`instances: ${instanceRuntime()}; load average ${load()}`);
try {
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  const one = await run('one', 1);
  const two = await run('two', 2);
  const semi = await run('semi', 1, ['--max-semi-space-size=16']);
  console.log(`subscribe, ${fmt(FILES)} files of 4 KiB: 1 instance ${fmt(one.rate)} files/s, 2 instances ${fmt(two.rate)} files/s ` +
    `(x${(two.rate / one.rate).toFixed(2)}; 2 cores shared with nginx and RabbitMQ) [load ${load()}]`);
  console.log(`  1 instance with node's default young generation (--max-semi-space-size=16 over the supervisor's): ${fmt(semi.rate)} files/s`);
  for (const [label, r] of [['1 instance', one], ['2 instances, the first', two], ['1 instance, node default semi-spaces (16 MB)', semi]] as const) {
    console.log(`  RSS ${label}: idle ${r.idle.toFixed(1)} MB (baseline), peak ${r.peak.toFixed(1)} MB, settled (10 s idle) ${r.settled.toFixed(1)} MB (target: peak <= sr3's 52-54 MB)`);
  }
} finally {
  await nginx.cleanup();
  await v.cleanup();
  await home.cleanup();
  await rm(dir, { recursive: true, force: true });
}
