// Issue 19 items 1-2: `sr start` from a directory outside the clone keeps its instance alive, and the packed
// tarball installed globally (npm install -g --prefix) puts sr on PATH running the built dist/ without tsx.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { REPO_ROOT, isAlive, pidFilePids, runCli, type CliResult } from '@sarra/testkit/child';

const run = promisify(execFile);
let vh: TestVhost;
let h: TempHome;
let cwd: string;

before(async () => {
  vh = await withVhost('sr-install');
  h = await tempHome();
  cwd = await mkdtemp(join(tmpdir(), 'sarra-cwd-'));
  await h.writeConfig('credentials.conf', `${vh.url}\n`);
  await h.writeConfig('subscribe/newcomer.conf', [
    `broker ${vh.url.replace('guest:guest@', 'guest@')}`, 'exchange xpublic', 'topicPrefix v03', 'subtopic #',
    `directory ${h.home}/sub`, 'accept .*', '',
  ].join('\n'));
});

after(async () => {
  await runCli(['stop'], h.env, { cwd }).catch(() => undefined);
  await h.cleanup();
  await rm(cwd, { recursive: true, force: true });
  await vh.cleanup();
});

/** Starts subscribe/newcomer with `sr` (however it is launched), asserts it is alive 5 s later; returns its pid. */
async function startAndCheck(sr: () => Promise<CliResult>): Promise<number> {
  const r = await sr();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /started 1 instance/);
  const [pid] = await pidFilePids(h.cacheDir, 'subscribe', 'newcomer');
  assert.ok(pid, 'pid file written');
  await new Promise((res) => setTimeout(res, 5000));
  const log = await readFile(join(h.cacheDir, 'log', 'subscribe_newcomer_01.log'), 'utf8').catch(() => '');
  assert.ok(await isAlive(pid), `instance ${pid} died; its log:\n${log}`);
  assert.doesNotMatch(log, /ERR_MODULE_NOT_FOUND/);
  return pid;
}

test('sr start from a directory outside the clone (development mode, sources through tsx): alive after 5 s', async () => {
  const env = { ...h.env, SARRA_FROM_SOURCE: '1' };
  const pid = await startAndCheck(() => runCli(['start', 'subscribe/newcomer'], env, { cwd }));
  const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  // tsx comes from the clone, whatever the cwd is
  assert.ok(argv.some((a) => a.startsWith('file://') && a.includes('/node_modules/tsx/')), argv.join(' '));
  const status = await runCli(['status'], env, { cwd });
  assert.match(status.stdout, /^subscribe\/newcomer\s+run\s+1\/1/m);
  assert.match(status.stdout, /Processes: 1 missing: 0/);
  assert.equal((await runCli(['stop'], env, { cwd })).code, 0);
});

test('the packed tarball installed with npm install -g --prefix: sr --version, start, status, stop from anywhere', { timeout: 300_000 }, async () => {
  const work = await mkdtemp(join(tmpdir(), 'sarra-pack-'));
  try {
    const { stdout: packed } = await run('bash', [join(REPO_ROOT, 'tools/pack.sh'), work], { cwd: REPO_ROOT, maxBuffer: 1 << 24 });
    const tarball = packed.trim().split('\n').pop()!;
    assert.match(tarball, /sarra-ts-[\d.]+\.tgz$/);
    const prefix = join(work, 'prefix');
    await run('npm', ['install', '-g', '--prefer-offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball], { cwd: work, maxBuffer: 1 << 24 });
    const bin = join(prefix, 'bin');
    const names = await readdir(bin);
    for (const c of ['sr', 'sr_subscribe', 'sr_post', 'sr_sarra', 'sr_watch']) assert.ok(names.includes(c), `${c} on PATH`);
    // the install has no sources and no tsx: nothing may come from the clone or the cwd
    const env = { ...h.env, PATH: `${bin}:${process.env.PATH}`, SARRA_FROM_SOURCE: undefined, NODE_OPTIONS: undefined };
    const sr = (args: string[]): Promise<CliResult> => new Promise((resolve, reject) => {
      const c = spawn('sr', args, { cwd, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '', stderr = '';
      c.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
      c.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      c.on('error', reject);
      c.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
    const v = await sr(['--version']);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^sr \(sarra-ts\) \d+\.\d+\.\d+$/m);
    const pid = await startAndCheck(() => sr(['start', 'subscribe/newcomer']));
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    assert.ok(argv.some((a) => a.startsWith(prefix) && a.endsWith('/dist/instance.js')), argv.join(' '));
    assert.ok(!argv.some((a) => a.includes('tsx')), argv.join(' '));
    const status = await sr(['status']);
    assert.match(status.stdout, /^subscribe\/newcomer\s+run\s+1\/1/m);
    const stop = await sr(['stop']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(await isAlive(pid), false);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
