// `sr serve --port 0` scraped over HTTP while a subscriber runs: the counters a user graphs match `sr status --json`.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { REPO_ROOT, SR_BIN, runCli, waitFor } from '@sarra/testkit/child';

let vh: TestVhost;
let h: TempHome;
let server: ChildProcess | undefined;

before(async () => {
  vh = await withVhost('sr-serve');
  h = await tempHome();
});

after(async () => {
  if (server && server.exitCode === null) {
    const closed = new Promise((resolve) => server!.once('close', resolve));
    server.kill('SIGTERM');
    await closed;
  }
  await runCli(['stop'], h.env).catch(() => undefined);
  if (!process.env.KEEP) await h.cleanup();
  await vh.cleanup();
});

/** Starts `sr serve --port 0` and resolves to its /metrics URL, read from the line it prints. */
async function startServe(): Promise<string> {
  const child = spawn(process.execPath, [SR_BIN, 'serve', '--port', '0'], { env: h.env as NodeJS.ProcessEnv, cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  server = child;
  let out = '', err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  return waitFor(() => {
    if (child.exitCode !== null) throw new Error(`sr serve exited ${child.exitCode}: ${err}`);
    return /http:\/\/127\.0\.0\.1:\d+\/metrics/.exec(out)?.[0];
  }, { what: `sr serve listening (stdout: ${out}, stderr: ${err})`, timeoutMs: 20_000, intervalMs: 100 });
}

/** The samples of one scrape, keyed by `name{labels}` as printed. */
async function scrape(url: string): Promise<Map<string, number>> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const out = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

interface Rec { received: number; accepted: number; rejected: number; transferredFiles: number; transferredBytes: number; posted: number }

test('a running subscriber\'s received, accepted, rejected, transferred and process figures, scraped from sr serve', async () => {
  const broker = vh.url.replace('guest:guest@', 'guest@');
  const src = join(h.home, 'src');
  await mkdir(join(src, 'obs'), { recursive: true });
  for (const n of ['a', 'b', 'c']) await writeFile(join(src, 'obs', `${n}.txt`), `file ${n}\n`);
  await h.writeConfig('credentials.conf', `${vh.url}\n`);
  await h.writeConfig('post/p.conf', [`post_broker ${broker}`, 'post_exchange xserve', 'post_topicPrefix v03', 'post_baseUrl file:/',
    'post_baseDir /', 'identity sha512', ''].join('\n'));
  await h.writeConfig('subscribe/s.conf', [`broker ${broker}`, 'exchange xserve', 'topicPrefix v03', `directory ${h.home}/dst`, `baseDir ${src}`,
    'mirror off', 'reject .*/b\\.txt', 'accept .*', ''].join('\n'));
  assert.equal((await runCli(['declare'], h.env)).code, 0);
  assert.equal((await runCli(['start', 'subscribe/s'], h.env)).code, 0);
  const url = await startServe();
  const posted = await runCli(['post', '-c', 'post/p', join(src, 'obs')], h.env);
  assert.equal(posted.code, 0, posted.stderr);
  await waitFor(async () => (await readdir(join(h.home, 'dst')).catch(() => [])).filter((n) => n.endsWith('.txt')).length === 2,
    { what: '2 files downloaded', timeoutMs: 30_000 });
  const l = 'component="subscribe",config="s",instance="1"';
  const rejectedOf = (m: Map<string, number>): number =>
    [...m].filter(([k]) => k.startsWith(`sarra_rejected_total{${l},reason=`)).reduce((a, [, v]) => a + v, 0);
  // the instance rewrites its metrics file every few seconds: wait for a scrape showing both transfers and b.txt's
  // rejection that `sr status --json`, read from the same files just after, agrees with
  const { s, rec } = await waitFor(async () => {
    const m = await scrape(url);
    const r = (JSON.parse((await runCli(['status', '--json', 'subscribe/s'], h.env)).stdout) as Rec[])[0]!;
    const settled = (m.get(`sarra_transferred_files_total{${l}}`) ?? 0) >= 2 && rejectedOf(m) >= 1 &&
      m.get(`sarra_received_total{${l}}`) === r.received && m.get(`sarra_accepted_total{${l}}`) === r.accepted && rejectedOf(m) === r.rejected;
    return settled ? { s: m, rec: r } : undefined;
  }, { what: 'a scrape with 2 transfers and 1 rejection matching sr status --json', timeoutMs: 30_000, intervalMs: 1000 });
  assert.equal(s.get(`sarra_transferred_files_total{${l}}`), 2);
  assert.equal(s.get(`sarra_transferred_bytes_total{${l}}`), 2 * 'file a\n'.length);
  assert.equal(s.get(`sarra_received_total{${l}}`), rec.received);
  assert.equal(s.get(`sarra_accepted_total{${l}}`), rec.accepted);
  assert.equal(rejectedOf(s), rec.rejected);
  assert.ok(rec.received >= 3, `received ${rec.received}`);
  assert.equal(s.get(`sarra_instance_up{${l}}`), 1);
  assert.equal(s.get(`sarra_broker_connected{${l}}`), 1);
  assert.ok((s.get(`sarra_process_resident_memory_bytes{${l}}`) ?? 0) > 1024 * 1024, 'instance RSS');
  assert.ok((s.get(`sarra_process_cpu_seconds_total{${l}}`) ?? 0) > 0, 'instance CPU');
  assert.equal(s.get(`sarra_retry_queue_messages{${l},queue="download"}`), 0);
  // the one-shot post's instance 0: what its run announced (2 files, b.txt and the directory)
  assert.equal(s.get('sarra_posted_total{component="post",config="p",instance="0"}'), 4);
  assert.equal((await fetch(url.replace('/metrics', '/nothing'))).status, 404);
});
