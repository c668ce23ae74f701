// Benchmark (issue 17 item 5): a soak of notices through a shovel and a winnow, each its own instance process:
// throughput per 100,000 (target: the last within 10 % of the first), RSS growth of each process from the end of
// the first 100,000 to the end (target < 20 MB), peak (VmHWM) and settled RSS (10 s idle after). The default run is
// 300,000 notices; SARRA_BENCH_SOAK=1 runs 1,000,000 (SOAK_N sets any count). The feeder keeps the shovel's queue
// under 50,000 so RabbitMQ holds a bounded backlog. Every notice is new (the winnow passes all of it); the winnow's
// nodupe_ttl is 10 s, so its cache is bounded by the rate x 10 s, as in production by its TTL.
import { loadavg } from 'node:os';
import { Publisher, declareTopology, openConnection } from '@sarra/broker';
import { withVhost } from '@sarra/testkit/rabbit';
import { tempHome } from '@sarra/testkit/home';
import { waitFor } from '../packages/components/test/flowkit.js';
import { cpuMs, instanceRuntime, procMB, spawnInstance } from './proc.js';

const N = Number(process.env.SOAK_N ?? (process.env.SARRA_BENCH_SOAK === '1' ? 1_000_000 : 300_000));
const SEG = 100_000;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function body(i: number): Buffer {
  return Buffer.from(JSON.stringify({
    pubTime: '20250105T120000.123456789', baseUrl: 'https://dd.weather.gc.ca',
    relPath: `/20250105/WXO-DD/bulletins/alphanumeric/20250105/SA/CWAO/12/SACN${String(i % 100).padStart(2, '0')}_CWAO_051200___${i}`,
    size: 1234 + (i % 97), identity: { method: 'sha512', value: Buffer.from(`soak ${i}`).toString('base64') }, mtime: '20250105T115959.5',
  }));
}

console.log(`instances: ${instanceRuntime()}; load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}; soak of ${fmt(N)} notices`);
const v = await withVhost('sarra-bench-soak');
const home = await tempHome();
let procs: Record<'shovel' | 'winnow', ReturnType<typeof spawnInstance>> | undefined;
try {
  const broker = `amqp://guest@127.0.0.1:5672/${v.vhost}`;
  const qShovel = 'q_guest.shovel.soak', qWinnow = 'q_guest.winnow.soak';
  await declareTopology({ url: v.url, exchanges: ['xsin', 'xsmid', 'xsout'], queue: { name: qShovel, durable: true, expires: 300_000 }, bindings: [{ exchange: 'xsin', key: 'v03.#' }] });
  await declareTopology({ url: v.url, exchanges: [], queue: { name: 'q_soak_sink' }, bindings: [{ exchange: 'xsout', key: '#' }] });
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  await home.writeConfig('shovel/soak.conf', [`broker ${broker}`, 'exchange xsin', `queueName ${qShovel}`, `post_broker ${broker}`, 'post_exchange xsmid', 'batch 500', 'prefetch 1000', 'logLevel warning', ''].join('\n'));
  await home.writeConfig('winnow/soak.conf', [`broker ${broker}`, 'exchange xsmid', `queueName ${qWinnow}`, `post_broker ${broker}`, 'post_exchange xsout', 'nodupe_ttl 10', 'batch 500', 'prefetch 1000', 'logLevel warning', ''].join('\n'));
  const running = { shovel: spawnInstance(home.env, 'shovel', 'soak'), winnow: spawnInstance(home.env, 'winnow', 'soak') };
  procs = running;
  await waitFor('both instances consuming', async () => (await v.mgmt.queues(v.vhost)).filter((q) => q.consumers > 0).length >= 2, 60_000);
  await sleep(2000);
  const idle = { shovel: await procMB(running.shovel.child.pid!, 'VmRSS'), winnow: await procMB(running.winnow.child.pid!, 'VmRSS') };
  // the bench's own channel (queue depth, sink purge) is reopened when the broker drops it (a loaded machine)
  const quiet = (): void => undefined;
  let conn = await openConnection({ url: v.url });
  let ch = await conn.createChannel();
  conn.on('error', quiet);
  ch.on('error', quiet);
  const onChannel = async <T>(op: (c: typeof ch) => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await op(ch);
      } catch (err: unknown) {
        if (attempt >= 5) throw err;
        await sleep(1000);
        await conn.close().catch(() => undefined);
        conn = await openConnection({ url: v.url });
        ch = await conn.createChannel();
        conn.on('error', quiet);
        ch.on('error', quiet);
      }
    }
  };
  const feeder = new Publisher({ url: v.url });
  await feeder.start();
  let fed = 0, sunk = 0;
  const feeding = (async (): Promise<void> => {
    while (fed < N) {
      if ((await onChannel((c) => c.checkQueue(qShovel))).messageCount > 50_000) { await sleep(100); continue; }
      for (let k = 0; k < 5000 && fed < N; k++, fed++) feeder.publish('xsin', 'v03.20250105.WXO-DD.bulletins', body(fed), { contentType: 'application/json' });
      await feeder.flush();
    }
  })();
  const t0 = performance.now();
  // CPU per notice of the two instances, per 100,000: what the work costs, whatever else the shared machine runs
  const cpuNow = async (): Promise<number> => (await cpuMs(running.shovel.child.pid!)) + (await cpuMs(running.winnow.child.pid!));
  const cpu0 = await cpuNow();
  const marks: { at: number; cpu: number; rss: { shovel: number; winnow: number } }[] = [];
  let last = t0;
  while (sunk < N) {
    await sleep(200);
    const got = (await onChannel((c) => c.purgeQueue('q_soak_sink'))).messageCount;
    sunk += got;
    if (got > 0) last = performance.now();
    while (sunk >= (marks.length + 1) * SEG && marks.length < Math.floor(N / SEG)) {
      marks.push({ at: performance.now(), cpu: await cpuNow(), rss: { shovel: await procMB(running.shovel.child.pid!, 'VmRSS'), winnow: await procMB(running.winnow.child.pid!, 'VmRSS') } });
    }
    if (performance.now() - last > 60_000) throw new Error(`nothing out for 60 s: stalled at ${fmt(sunk)} of ${fmt(N)} (fed ${fmt(fed)})`);
  }
  await feeding;
  const secs = (performance.now() - t0) / 1000;
  const rates = marks.map((m, i) => SEG / ((m.at - (i ? marks[i - 1]!.at : t0)) / 1000));
  const peak = { shovel: await procMB(running.shovel.child.pid!, 'VmHWM'), winnow: await procMB(running.winnow.child.pid!, 'VmHWM') };
  await sleep(10_000);
  const settled = { shovel: await procMB(running.shovel.child.pid!, 'VmRSS'), winnow: await procMB(running.winnow.child.pid!, 'VmRSS') };
  for (const p of Object.values(running)) p.child.kill('SIGTERM');
  const codes = await Promise.all(Object.values(running).map((p) => p.exited));
  await feeder.close();
  await conn.close().catch(() => undefined);
  console.log(`soak: ${fmt(sunk)} notices through shovel + winnow in ${secs.toFixed(1)} s (${fmt(sunk / secs)}/s end to end)`);
  console.log(`  per 100,000: ${rates.map(fmt).join(', ')} notices/s`);
  const drift = (rates.at(-1)! / rates[0]! - 1) * 100;
  console.log(`  last 100,000 vs first: ${drift >= 0 ? '+' : ''}${drift.toFixed(1)} % (target within 10 %)`);
  const cpuPer = marks.map((m, i) => (m.cpu - (i ? marks[i - 1]!.cpu : cpu0)) / SEG);
  const cpuDrift = (cpuPer.at(-1)! / cpuPer[0]! - 1) * 100;
  console.log(`  CPU of shovel + winnow per notice, per 100,000: ${cpuPer.map((c) => c.toFixed(3)).join(', ')} ms: last vs first ` +
    `${cpuDrift >= 0 ? '+' : ''}${cpuDrift.toFixed(1)} % (the load-independent flatness: wall-clock rates follow the machine's load)`);
  for (const name of ['shovel', 'winnow'] as const) {
    const growth = marks.at(-1)!.rss[name] - marks[0]!.rss[name];
    console.log(`  ${name} RSS: idle ${idle[name].toFixed(1)} MB (baseline), after the first 100,000 ${marks[0]!.rss[name].toFixed(1)} MB, at the end ` +
      `${marks.at(-1)!.rss[name].toFixed(1)} MB: growth ${growth.toFixed(1)} MB (target < 20 MB); peak ${peak[name].toFixed(1)} MB, settled (10 s idle) ${settled[name].toFixed(1)} MB ` +
      `(sr3 instance peak seen 52-54 MB)`);
  }
  console.log(`  exit codes on SIGTERM: ${codes.join(', ')}; load average at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  for (const p of Object.values(procs ?? {})) if (p.child.exitCode === null) p.child.kill('SIGTERM');
  await v.cleanup();
  await home.cleanup();
}
