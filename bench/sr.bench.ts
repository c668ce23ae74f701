// Supervisor speed: `sr start` of 50 configurations (target < 5 s) and `sr status` of them running (target < 1 s).
import { readdir } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { withVhost } from '@sarra/testkit/rabbit';
import { tempHome } from '@sarra/testkit/home';
import { runCli, waitFor } from '@sarra/testkit/child';

const N = Number(process.env.BENCH_CONFIGS ?? 50);
const START_TARGET_S = 5;
const STATUS_TARGET_S = 1;

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await f();
  return [r, (performance.now() - t0) / 1000];
}

const vh = await withVhost('sr-bench');
const h = await tempHome('sarra-bench-');
try {
  await h.writeConfig('credentials.conf', `${vh.url}\n`);
  const broker = vh.url.replace('guest:guest@', 'guest@');
  for (let i = 0; i < N; i++) {
    await h.writeConfig(`subscribe/bench${String(i).padStart(2, '0')}.conf`,
      `broker ${broker}\nexchange xbench\ntopicPrefix v03\nsubtopic c${i}.#\nexpire 10m\ndirectory ${h.home}/d${i}\naccept .*\n`);
  }
  const decl = await runCli(['declare'], h.env, { timeoutMs: 300_000 });
  if (decl.code !== 0) throw new Error(`declare failed: ${decl.stderr}`);

  const load = (): string => `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs`;
  console.log(`before start: ${load()}; CLI from ${process.env.SARRA_FROM_SOURCE ? 'sources' : 'dist if built, else sources'}`);
  const [start, startS] = await timed(() => runCli(['start'], h.env, { timeoutMs: 120_000 }));
  if (start.code !== 0) throw new Error(`start failed: ${start.stderr}`);
  console.log(`sr start of ${N} configurations: ${startS.toFixed(2)} s (target < ${START_TARGET_S} s; ${load()})`);

  // let every instance come up and write its metrics before timing status
  const metricsDir = join(h.cacheDir, 'metrics');
  const [, settleS] = await timed(() => waitFor(async () => (await readdir(metricsDir).catch(() => [])).length >= N,
    { timeoutMs: 300_000, intervalMs: 500, what: `${N} metrics files` }));
  console.log(`   (all ${N} instances up and writing metrics after ${settleS.toFixed(1)} s more)`);
  const times: number[] = [];
  let running = 0;
  for (let i = 0; i < 3; i++) {
    const [st, s] = await timed(() => runCli(['status', '--json'], h.env));
    if (st.code !== 0) throw new Error(`status failed: ${st.stderr}`);
    running = (JSON.parse(st.stdout) as { running: number }[]).reduce((a, r) => a + r.running, 0);
    times.push(s);
  }
  const [, tableS] = await timed(() => runCli(['status'], h.env));
  console.log(`sr status --json of ${N} running configurations (${running} processes): best ${Math.min(...times).toFixed(2)} s, ` +
    `runs ${times.map((t) => t.toFixed(2)).join(' / ')} s; table ${tableS.toFixed(2)} s (target < ${STATUS_TARGET_S} s, includes node start-up; ${load()})`);

  const [stop, stopS] = await timed(() => runCli(['stop'], h.env, { timeoutMs: 120_000 }));
  if (stop.code !== 0) throw new Error(`stop failed: ${stop.stderr}`);
  console.log(`sr stop of ${N} configurations: ${stopS.toFixed(2)} s`);
} finally {
  await runCli(['stop'], h.env, { timeoutMs: 120_000 }).catch(() => undefined);
  await h.cleanup();
  await vh.cleanup();
}
