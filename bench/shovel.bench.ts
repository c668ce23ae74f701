// Benchmark: a shovel instance relaying 20,000 v03 notices (target >= 10,000/s, >= 80 % of the raw relay, <= 0.033 CPU ms/notice).
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { Publisher, declareTopology, openConnection } from '@sarra/broker';
import { withVhost } from '@sarra/testkit/rabbit';
import { tempHome } from '@sarra/testkit/home';
import { runInstance } from '../packages/components/src/instance.js';

const N = Number(process.env.SHOVEL_BENCH_N ?? 20_000);
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function body(i: number): Buffer {
  return Buffer.from(JSON.stringify({
    pubTime: '20200105T120000.123456789',
    baseUrl: 'https://dd.weather.gc.ca',
    relPath: `/20200105/WXO-DD/bulletins/alphanumeric/20200105/SA/CWAO/12/SACN${String(i % 100).padStart(2, '0')}_CWAO_051200___${i}`,
    size: 1234 + (i % 97),
    identity: { method: 'sha512', value: 'z8U1Bv0rDmyZ0bK4JpW5sWQwQ6yq9G0X3k7mY1y2xg==' },
    mtime: '20200105T115959.5',
  }));
}

/** The raw relay figure of bench/relay.bench.ts (same machine, same run), when it can be run. */
function rawRelay(): number | undefined {
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', 'bench/relay.bench.ts'], { encoding: 'utf8', timeout: 120_000 });
  const m = /raw relay: ([\d,]+) msg\/s/.exec(r.stdout ?? '');
  return m ? Number(m[1]!.replace(/,/g, '')) : undefined;
}

async function run(label: string, extra: string[]): Promise<number> {
  const v = await withVhost('sarra-bench-shovel');
  const home = await tempHome();
  try {
    const queue = 'q_guest.shovel.bench';
    // the queue exactly as the shovel declares it (expire 300 s), so the pre-load is not consumed while loading
    await declareTopology({ url: v.url, exchanges: ['xbin', 'xbout'], queue: { name: queue, durable: true, expires: 300_000 }, bindings: [{ exchange: 'xbin', key: 'v03.#' }] });
    await declareTopology({ url: v.url, exchanges: [], queue: { name: 'q_sink' }, bindings: [{ exchange: 'xbout', key: '#' }] });
    const loader = new Publisher({ url: v.url });
    await loader.start();
    for (let i = 0; i < N; i++) {
      loader.publish('xbin', 'v03.20200105.WXO-DD.bulletins.alphanumeric.20200105.SA.CWAO.12', body(i), { contentType: 'application/json' });
      if ((i + 1) % 5000 === 0) await loader.flush();
    }
    await loader.flush();
    await loader.close();
    await home.writeConfig('credentials.conf', `${v.url}\n`);
    await home.writeConfig('shovel/bench.conf', [
      `broker amqp://guest@127.0.0.1:5672/${v.vhost}`, 'exchange xbin', `queueName ${queue}`,
      `post_broker amqp://guest@127.0.0.1:5672/${v.vhost}`, 'post_exchange xbout', 'logLevel warning', ...extra, '',
    ].join('\n'));
    const conn = await openConnection({ url: v.url });
    const ch = await conn.createChannel();
    const ctl = new AbortController();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const inst = runInstance({ component: 'shovel', config: 'bench', instance: 1, foreground: false, env: home.env, signal: ctl.signal });
    let sunk = 0;
    let first = 0, firstAt = 0;
    let cpuFirst = cpu0;
    while (sunk < N) {
      await new Promise((r) => setTimeout(r, 20));
      sunk = (await ch.checkQueue('q_sink')).messageCount;
      if (!firstAt && sunk > 0) { first = sunk; firstAt = performance.now(); cpuFirst = process.cpuUsage(); }
      if (performance.now() - t0 > 120_000) throw new Error(`stalled at ${sunk} of ${N}`);
    }
    const end = performance.now();
    const secs = (end - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const steadyCpu = process.cpuUsage(cpuFirst);
    const steadyRate = (N - first) / ((end - firstAt) / 1000);
    const steadyCpuMs = (steadyCpu.user + steadyCpu.system) / 1000 / (N - first);
    ctl.abort();
    await inst;
    await conn.close();
    const rate = N / secs;
    const cpuMs = (cpu.user + cpu.system) / 1000 / N;
    console.log(`shovel ${label}: steady ${fmt(steadyRate)} notices/s (target >= 10,000), CPU ${steadyCpuMs.toFixed(4)} ms/notice (target <= 0.033); ` +
      `whole run ${fmt(rate)}/s, ${cpuMs.toFixed(4)} ms/notice [${fmt(N)} in ${secs.toFixed(2)} s, start-up and TS compile included]`);
    return steadyRate;
  } finally {
    await v.cleanup();
    await home.cleanup();
  }
}

const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`machine load average at start: ${load()} (wall-clock rates depend on it; CPU per notice much less)`);
/** SHOVEL_BENCH_ONLY=tuned|defaults runs one configuration and skips the raw relay (profiling). */
const only = process.env.SHOVEL_BENCH_ONLY;
const tuned = only === 'defaults' ? 0 : await run('batch 500 prefetch 1000', ['batch 500', 'prefetch 1000']);
if (only !== 'tuned') await run('sr3 defaults (batch 100, prefetch 25)', []);
const raw = only ? undefined : rawRelay();
if (raw) console.log(`raw relay (bench/relay.bench.ts): ${fmt(raw)} msg/s -> shovel (tuned) at ${((tuned / raw) * 100).toFixed(0)} % of it (target >= 80 %)`);
else if (!only) console.log('raw relay: not measured (bench/relay.bench.ts did not run); compare with its own output');
console.log(`machine load average at end: ${load()}`);
