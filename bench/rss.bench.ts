// Benchmark: idle RSS of one subscribe instance process, as `sr start` runs it (built JS, no tsx) (target <= 58 MB).
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
  await new Promise((r) => setTimeout(r, 5000));
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(await rssOf(child.pid!));
    await new Promise((r) => setTimeout(r, 1000));
  }
  child.kill('SIGTERM');
  const code = await exited;
  const rss = Math.max(...samples);
  console.log(`idle subscribe instance RSS: ${rss.toFixed(1)} MB (target <= 58 MB; bare node ~41 MB) [max of 5 samples after 5 s idle; exit code on SIGTERM ${code}]`);
  if (code !== 0) console.log(stderr);
} finally {
  await v.cleanup();
  await home.cleanup();
}
