// `sr serve`: time to answer /metrics for 50 running configurations (target < 200 ms), files and /proc read on each scrape;
// then the status page (/) for the same 50.
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { withVhost } from '@sarra/testkit/rabbit';
import { tempHome } from '@sarra/testkit/home';
import { REPO_ROOT, SR_BIN, runCli, waitFor } from '@sarra/testkit/child';

const N = Number(process.env.BENCH_CONFIGS ?? 50);
const TARGET_MS = 200;

const vh = await withVhost('sr-serve-bench');
const h = await tempHome('sarra-serve-bench-');
const server = spawn(process.execPath, [SR_BIN, 'serve', '--port', '0'], { env: h.env as NodeJS.ProcessEnv, cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
try {
  await h.writeConfig('credentials.conf', `${vh.url}\n`);
  const broker = vh.url.replace('guest:guest@', 'guest@');
  for (let i = 0; i < N; i++) {
    await h.writeConfig(`subscribe/bench${String(i).padStart(2, '0')}.conf`,
      `broker ${broker}\nexchange xbench\ntopicPrefix v03\nsubtopic c${i}.#\nexpire 10m\ndirectory ${h.home}/d${i}\naccept .*\n`);
  }
  const decl = await runCli(['declare'], h.env, { timeoutMs: 300_000 });
  if (decl.code !== 0) throw new Error(`declare failed: ${decl.stderr}`);
  const start = await runCli(['start'], h.env, { timeoutMs: 120_000 });
  if (start.code !== 0) throw new Error(`start failed: ${start.stderr}`);
  await waitFor(async () => (await readdir(join(h.cacheDir, 'metrics')).catch(() => [])).length >= N,
    { timeoutMs: 300_000, intervalMs: 500, what: `${N} metrics files` });
  let out = '';
  server.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const url = await waitFor(() => /http:\/\/[^ ]+\/metrics/.exec(out)?.[0], { timeoutMs: 20_000, intervalMs: 50, what: 'sr serve listening' });
  const times: number[] = [];
  let series = 0;
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    const text = await (await fetch(url)).text();
    times.push(performance.now() - t0);
    series = text.split('\n').filter((l) => l.startsWith('sarra_instance_up{')).length;
  }
  // the first scrape loads the configuration parser: report it apart
  const [first, ...rest] = times;
  const sorted = [...rest].sort((a, b) => a - b);
  console.log(`sr serve /metrics for ${N} running configurations (${series} instances): first ${first!.toFixed(0)} ms, ` +
    `then median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms, best ${sorted[0]!.toFixed(0)} ms (target < ${TARGET_MS} ms)`);
  // the status page of the same server (table, strays, one chart a row), beside the scrape measured above
  const page: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const html = await (await fetch(url.replace(/\/metrics$/, '/'))).text();
    page.push(performance.now() - t0);
    if ((html.match(/<tr data-config=/g) ?? []).length !== N) throw new Error('the status page lacks configurations');
  }
  page.sort((a, b) => a - b);
  console.log(`sr serve status page for ${N} configurations: median ${page[2]!.toFixed(0)} ms, best ${page[0]!.toFixed(0)} ms (no target; /metrics above is the baseline)`);
} finally {
  server.kill('SIGTERM');
  await runCli(['stop'], h.env, { timeoutMs: 120_000 }).catch(() => undefined);
  await h.cleanup();
  await vh.cleanup();
}
