// FTP benchmark (issue 13 item 3): 2,000 x 4 KiB files downloaded from a real vsftpd over one connection by the
// ftp driver, beside curl fetching the same list over one connection (one invocation, the connection reused),
// measured in the same run, alternated twice, best of each. Prints figures; never fails on timing.
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { startVsftpd } from '@sarra/testkit/vsftpd';
import { openTransfer } from '@sarra/transfer';

const FILES = 2000;
const SIZE = 4096;

function line(name: string, value: string, target: string): void {
  console.log(`${name.padEnd(56)} ${value.padStart(14)}   target ${target}`);
}

/** Files and bytes under `dir`: proof that each run fetched everything. */
async function fetched(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0, bytes = 0;
  for (const f of await readdir(dir)) {
    files++;
    bytes += (await stat(join(dir, f))).size;
  }
  return { files, bytes };
}

console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs`);
const base = await mkdtemp(join(tmpdir(), 'sarra-bench-ftp-'));
const ftpd = await startVsftpd();
try {
  await mkdir(join(ftpd.root, 'small'));
  const payload = Buffer.alloc(SIZE, 'x');
  for (let i = 0; i < FILES; i++) await writeFile(join(ftpd.root, 'small', `f${i}`), payload);
  const curlConf = join(base, 'curl.conf');
  let sNode = Infinity, sCurl = Infinity;
  const logins = async (): Promise<number> => ((await ftpd.log()).match(/OK LOGIN/g) ?? []).length;
  const loginsBy = { node: 0, curl: 0 };
  for (let round = 0; round < 2; round++) {
    const outNode = join(base, `node${round}`), outCurl = join(base, `curl${round}`);
    await mkdir(outNode);
    await mkdir(outCurl);
    {
      const l0 = await logins();
      const t0 = performance.now();
      const t = await openTransfer(ftpd.url, { timeout: 30 });
      for (let i = 0; i < FILES; i++) await pipeline(await t.getStream(`small/f${i}`), createWriteStream(join(outNode, `f${i}`)));
      await t.close();
      sNode = Math.min(sNode, (performance.now() - t0) / 1000);
      loginsBy.node = Math.max(loginsBy.node, (await logins()) - l0);
    }
    {
      const urls = Array.from({ length: FILES }, (_, i) => `url = "${ftpd.url}/small/f${i}"\noutput = "${join(outCurl, `f${i}`)}"\n`);
      await writeFile(curlConf, urls.join(''), { mode: 0o600 });
      const l0 = await logins();
      const t0 = performance.now();
      await promisify(execFile)('curl', ['-s', '-S', '--ftp-pasv', '-K', curlConf], { maxBuffer: 1 << 20 });
      sCurl = Math.min(sCurl, (performance.now() - t0) / 1000);
      loginsBy.curl = Math.max(loginsBy.curl, (await logins()) - l0);
    }
    for (const [who, dir] of [['ftp driver', outNode], ['curl', outCurl]] as const) {
      const got = await fetched(dir);
      if (got.files !== FILES || got.bytes !== FILES * SIZE) throw new Error(`${who} fetched ${got.files} files, ${got.bytes} bytes`);
    }
  }
  const rate = (s: number): string => `${Math.round(FILES / s)} files/s`;
  line(`ftp 2000 x 4 KiB: sarra-ts ftp driver (${loginsBy.node} login)`, rate(sNode), '(beside curl)');
  line(`ftp 2000 x 4 KiB: curl, same list, one run (${loginsBy.curl} login)`, rate(sCurl), 'baseline');
  line('    sarra-ts / curl', `${Math.round((sCurl / sNode) * 100)}%`, '(report)');
} finally {
  await ftpd.cleanup();
  await rm(base, { recursive: true, force: true });
}
