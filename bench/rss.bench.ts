// Benchmark: idle RSS of one subscribe instance process, as `sr start` runs it (built JS, no tsx; logging on winston)
// (target <= 58 MB), beside a bare amqplib consumer of the same broker measured in the same run (issue 16).
import { spawn, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withVhost } from '@sarra/testkit/rabbit';
import { tempHome } from '@sarra/testkit/home';
import { declareExchanges, waitFor } from '../packages/components/test/flowkit.js';

const root = join(import.meta.dirname, '..');
const build = spawnSync('npx', ['tsc', '-b', 'packages/sr'], { cwd: root, encoding: 'utf8' });
if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);

/** VmRSS of a process, in MB. */
async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** The highest of 5 samples, one a second, after 5 s idle. */
async function idleRss(pid: number): Promise<number> {
  await new Promise((r) => setTimeout(r, 5000));
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(await rssOf(pid));
    await new Promise((r) => setTimeout(r, 1000));
  }
  return Math.max(...samples);
}

/** A bare amqplib consumer: connect, one channel, one queue consumed, nothing else (the floor an instance sits on). */
const BARE = (url: string): string => [
  "import amqplib from 'amqplib';",
  `const c = await amqplib.connect(${JSON.stringify(url)});`,
  'const ch = await c.createChannel();',
  "const q = await ch.assertQueue('q_bare_rss', { autoDelete: true });",
  'await ch.consume(q.queue, (m) => { if (m) ch.ack(m); });',
  "process.stdout.write('consuming\\n');",
  "process.once('SIGTERM', () => { void c.close().then(() => process.exit(0)); });",
].join('\n');

const v = await withVhost('sarra-bench-rss');
const home = await tempHome();
try {
  await declareExchanges(v.url, ['xrss']);
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  await home.writeConfig('subscribe/rss.conf', [`broker amqp://guest@127.0.0.1:5672/${v.vhost}`, 'exchange xrss', `directory ${join(home.home, 'dl')}`, ''].join('\n'));
  const child = spawn(process.execPath, [join(root, 'packages/sr/dist/instance.js'), 'subscribe', 'rss', '1'], { env: home.env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await waitFor('the instance queue', async () => (await v.mgmt.queues(v.vhost)).some((q) => q.consumers > 0), 30_000);
  const rss = await idleRss(child.pid!);
  child.kill('SIGTERM');
  const code = await exited;
  const bare = spawn(process.execPath, ['--input-type=module', '-e', BARE(v.url)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((r) => bare.stdout.once('data', () => r()));
  const bareRss = await idleRss(bare.pid!);
  bare.kill('SIGTERM');
  await new Promise((r) => bare.once('exit', r));
  console.log(`idle subscribe instance RSS: ${rss.toFixed(1)} MB (target <= 58 MB; previous figure, before winston: 57 MB)` +
    ` [max of 5 samples after 5 s idle; exit code on SIGTERM ${code}]`);
  console.log(`bare amqplib consumer RSS: ${bareRss.toFixed(1)} MB (same broker, same run; the instance's overhead: ${(rss - bareRss).toFixed(1)} MB)`);
  if (code !== 0) console.log(stderr);
} finally {
  await v.cleanup();
  await home.cleanup();
}
