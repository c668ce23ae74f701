// Transfer benchmarks: small-file http download rate on keep-alive, large http download vs curl,
// and pipelined sftp puts on one connection. Prints figures beside targets; never fails on timing.
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { startNginx } from '@sarra/testkit/nginx';
import { startSshd } from '@sarra/testkit/sshd';
import { openTransfer } from '@sarra/transfer';

const SMALL_FILES = 2000;
const SMALL_SIZE = 4096;
const BIG_SIZE = 200 * 1024 * 1024;

/** Runs `worker(i)` for i in [0, n) with at most `width` in flight. */
async function pooled(n: number, width: number, worker: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await worker(next++);
  }));
}

/** Microseconds of this process's CPU per small file since `c0`. */
function cpuPerFile(c0: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(c0);
  return Math.round((c.user + c.system) / SMALL_FILES);
}

function line(name: string, value: string, target: string): void {
  console.log(`${name.padEnd(56)} ${value.padStart(14)}   target ${target}`);
}

// the host is shared: print its load so the figures can be read in context
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs`);
const base = await mkdtemp(join(tmpdir(), 'sarra-bench-'));
const root = join(base, 'www');
const out = join(base, 'out');
await mkdir(join(root, 'small'), { recursive: true });
await mkdir(join(out, 'small'), { recursive: true });
const payload = Buffer.alloc(SMALL_SIZE, 'x');
await pooled(SMALL_FILES, 64, (i) => writeFile(join(root, 'small', `f${i}`), payload));
{
  // 200 MiB of incompressible-looking data without holding it in memory
  const fh = await open(join(root, 'big.bin'), 'w');
  const chunk = Buffer.alloc(4 * 1024 * 1024);
  for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE((i * 2654435761) >>> 0, i);
  for (let off = 0; off < BIG_SIZE; off += chunk.length) await fh.write(chunk);
  await fh.close();
}

const nginx = await startNginx({ root });
const sshd = await startSshd();
try {
  // (a) http small files, 16 streams on keep-alive
  {
    const t = await openTransfer(nginx.url);
    await pipeline(await t.getStream('/small/f0'), createWriteStream(join(out, 'warm'))); // warm the agent
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await pooled(SMALL_FILES, 16, async (i) => {
      await pipeline(await t.getStream(`/small/f${i}`), createWriteStream(join(out, 'small', `f${i}`)));
    });
    const s = (performance.now() - t0) / 1000;
    await t.close();
    line('(a) http 2000 x 4 KiB, 16 streams, keep-alive', `${Math.round(SMALL_FILES / s)} files/s`, '(report)');
    line('    node CPU per file (load-independent)', `${cpuPerFile(c0)} us`, '');
  }
  // (b) http 200 MiB to disk vs curl, alternated twice, best of each (the host is shared and noisy)
  {
    const t = await openTransfer(nginx.url);
    const dest = join(out, 'big.node');
    const curlDest = join(out, 'big.curl');
    let sNode = Infinity, sCurl = Infinity;
    for (let round = 0; round < 2; round++) {
      const c0 = performance.now();
      await promisify(execFile)('curl', ['-s', '-o', curlDest, `${nginx.url}big.bin`]);
      sCurl = Math.min(sCurl, (performance.now() - c0) / 1000);
      await rm(curlDest);
      const t0 = performance.now();
      // sizeHint: the driver reads a big body on a raw socket with 1 MiB reads (as the subscribe download does)
      await pipeline(await t.getStream('/big.bin', { sizeHint: BIG_SIZE }), createWriteStream(dest, { highWaterMark: 1024 * 1024 }));
      sNode = Math.min(sNode, (performance.now() - t0) / 1000);
      if ((await stat(dest)).size !== BIG_SIZE) throw new Error('short download');
      await rm(dest);
    }
    await t.close();
    const mb = BIG_SIZE / 1e6;
    line('(b) http 200 MiB to disk: sarra-ts', `${(mb / sNode).toFixed(0)} MB/s`, '');
    line('    http 200 MiB to disk: curl -s -o', `${(mb / sCurl).toFixed(0)} MB/s`, '');
    line('    ratio sarra-ts / curl', `${((sCurl / sNode) * 100).toFixed(0)} %`, '>= 90 %');
  }
  // (c) sftp put, one connection, 32 in flight
  {
    const t = await openTransfer(sshd.url, { details: { ssh_keyfile: sshd.keyFile, known_hosts: sshd.knownHosts } });
    await t.mkdirp('put');
    await pooled(64, 32, (i) => t.putStream(`put/w${i}`, Readable.from([payload]))); // warm-up
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await pooled(SMALL_FILES, 32, (i) => t.putStream(`put/f${i}`, Readable.from([payload])));
    const s = (performance.now() - t0) / 1000;
    const n = (await t.list('put')).length;
    await t.close();
    if (n !== SMALL_FILES + 64) throw new Error(`sftp put: ${n} files on the server`);
    line('(c) sftp put 2000 x 4 KiB, 1 connection, 32 in flight', `${Math.round(SMALL_FILES / s)} files/s`, '>= 800 files/s');
    line('    node CPU per file (load-independent)', `${cpuPerFile(c0)} us`, '');
  }
} finally {
  await nginx.cleanup();
  await sshd.cleanup();
  await rm(base, { recursive: true, force: true });
}
