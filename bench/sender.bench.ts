// Benchmark: sender of 2,000 files of 4 KiB over SFTP with one instance (target >= 800 files/s).
// The notices are queued first; the time runs from the sender's start until the last file is at its final name.
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { withVhost } from '@sarra/testkit/rabbit';
import { tempHome } from '@sarra/testkit/home';
import { startSshd } from '@sarra/testkit/sshd';
import { runInstance } from '../packages/components/src/instance.js';

const FILES = 2000;
const dir = await mkdtemp(join(tmpdir(), 'sender-bench-'));
const src = join(dir, 'src');
for (let d = 0; d < 20; d++) {
  await mkdir(join(src, `d${d}`), { recursive: true });
  for (let f = 0; f < FILES / 20; f++) await writeFile(join(src, `d${d}`, `f${f}.dat`), randomBytes(4096));
}
const v = await withVhost('sarra-bench');
const home = await tempHome();
const sshd = await startSshd();

async function count(d: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(d, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (e.isFile() && !e.name.endsWith('.tmp')) n++;
  }
  return n;
}

try {
  await home.writeConfig('credentials.conf', `${v.url}\n${sshd.url}/ ssh_keyfile=${sshd.keyFile},known_hosts=${sshd.knownHosts}\n`);
  const conn = await amqp.connect(v.url);
  const ch = await conn.createChannel();
  await ch.assertExchange('xbench', 'topic', { durable: true });
  await conn.close();
  for (const run of ['a', 'b', 'c']) {
    const remote = join(sshd.root, `sent_${run}`);
    await home.writeConfig(`sender/${run}.conf`, [`broker amqp://guest@127.0.0.1:5672/${v.vhost}`, 'exchange xbench',
      `sendTo ${sshd.url}/`, `baseDir ${src}`, 'mirror on', 'batch 100', 'prefetch 200', `directory ${remote}`,
      'accept .*', ''].join('\n'));
    // the queue must exist before the notices are posted: start, declare, stop
    const ac0 = new AbortController();
    const r0 = runInstance({ component: 'sender', config: run, instance: 1, foreground: false, env: home.env, signal: ac0.signal });
    await new Promise((r) => setTimeout(r, 1500));
    ac0.abort();
    await r0;
    await home.writeConfig(`post/${run}.conf`, [`post_broker amqp://guest@127.0.0.1:5672/${v.vhost}`, 'post_exchange xbench',
      'post_baseUrl file:/', `post_baseDir ${src}`, ''].join('\n'));
    await runInstance({ component: 'post', config: run, instance: 1, foreground: false, env: home.env, paths: [src] });
    const ac = new AbortController();
    const t = performance.now();
    const running = runInstance({ component: 'sender', config: run, instance: 1, foreground: false, env: home.env, signal: ac.signal });
    // a coarse check: counting the remote tree competes with sshd for the CPU
    let first: { t: number; n: number } | undefined;
    for (let c = 0; (c = await count(remote)) < FILES;) {
      if (!first && c > 0) first = { t: performance.now(), n: c };
      await new Promise((r) => setTimeout(r, 200));
    }
    const end = performance.now();
    const s = (end - t) / 1000;
    ac.abort();
    await running;
    const steady = first ? ((FILES - first.n) / ((end - first.t) / 1000)).toFixed(0) : 'n/a';
    console.log(`sender over SFTP (run ${run}): ${FILES} files of 4 KiB in ${s.toFixed(2)} s from instance start = ${(FILES / s).toFixed(0)} files/s; ` +
      `once flowing ${steady} files/s   (target >= 800)`);
  }
} finally {
  await sshd.cleanup();
  await v.cleanup();
  await home.cleanup();
  await rm(dir, { recursive: true, force: true });
}
