// Issue 19 item 3: a bare clone (nothing beside it) runs the README's setup (npm ci, build) and `npm run demo`,
// and the sample tree it ships flows to the subscriber and the sender.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { REPO_ROOT } from '@sarra/testkit/child';

const run = promisify(execFile);

async function countFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && !e.name.endsWith('.tmp')).length;
}

test('a fresh clone in an empty directory: npm ci, npm run build, npm run demo deliver the shipped sample', { timeout: 600_000 }, async () => {
  const parent = await mkdtemp(join(tmpdir(), 'sarra-clone-'));
  const repo = join(parent, 'sarra-ts');
  // the user's environment, not the test runner's development switches
  const env: NodeJS.ProcessEnv = { ...process.env, SARRA_FROM_SOURCE: undefined, SARRA_SAMPLE: undefined, NODE_OPTIONS: undefined };
  // ports of their own, so a demo left running in the main tree does not collide
  const port = 20000 + Math.floor(Math.random() * 20000);
  env.DEMO_PORT_SOURCE = String(port);
  env.DEMO_PORT_PUMP = String(port + 1);
  const demo = join(repo, 'demo-run');
  const sr = (args: string[]) => run(process.execPath, [join(repo, 'bin/sr.js'), ...args],
    { cwd: repo, env: { ...env, XDG_CONFIG_HOME: join(demo, 'config'), XDG_CACHE_HOME: join(demo, 'cache') } });
  try {
    await run('git', ['clone', '--quiet', REPO_ROOT, repo], { env });
    assert.deepEqual(await readdir(parent), ['sarra-ts'], 'nothing beside the clone');
    await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: repo, env, maxBuffer: 1 << 24 });
    await run('npm', ['run', 'build'], { cwd: repo, env, maxBuffer: 1 << 24 });
    const { stdout } = await run('npm', ['run', 'demo'], { cwd: repo, env, maxBuffer: 1 << 24 });
    assert.match(stdout, /\(1125 files to deliver, reject\/ filtered out\)/);
    assert.equal(await countFiles(join(demo, 'downloaded')), 1125, stdout);
    assert.equal(await countFiles(join(demo, 'sent')), 1125, stdout);
    const one = '20200105/WXO-DD/barometry/data/Constant.YMT';
    assert.deepEqual(await readFile(join(demo, 'downloaded', one)), await readFile(join(repo, 'test/data/wxo-dd-sample', one)));
  } finally {
    await sr(['stop']).catch(() => undefined);
    const pid = await readFile(join(demo, 'nginx/nginx.pid'), 'utf8').catch(() => '');
    if (Number(pid) > 0) try { process.kill(Number(pid)); } catch { /* gone */ }
    await sr(['cleanup', '--dangerWillRobinson=4']).catch(() => undefined);
    await rm(parent, { recursive: true, force: true });
  }
});
