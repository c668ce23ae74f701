// Benchmark: one poll cycle over a 10,000-file SFTP directory (target < 5 s), listing + notices + cache.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@sarra/common';
import { TransferPool } from '@sarra/transfer';
import { startSshd } from '@sarra/testkit/sshd';
import { Poller } from '../packages/components/src/producers/poller.js';
import { SeenCache } from '../packages/components/src/producers/listing.js';
import { parseSchedule } from '../packages/components/src/producers/schedule.js';

const FILES = 10_000;
const sshd = await startSshd();
const state = await mkdtemp(join(tmpdir(), 'poll-bench-'));
const dir = join(sshd.root, 'big');
await mkdir(dir);
for (let i = 0; i < FILES; i += 500) {
  await Promise.all(Array.from({ length: 500 }, (_, k) => writeFile(join(dir, `file_${String(i + k).padStart(6, '0')}.dat`), 'x')));
}
const pool = new TransferPool({ credentials: { lookup: (u) => ({ url: u, details: { ssh_keyfile: sshd.keyFile, known_hosts: sshd.knownHosts } }) } });
try {
  const poller = new Poller({
    pollUrl: `${sshd.url}/`, paths: [dir], baseUrl: `${sshd.url}/`, identity: 'cod,sha512',
    schedule: parseSchedule({ scheduled_interval: 60 }), fileAgeMax: 30 * 86400,
    connect: (u) => pool.get(u), seen: new SeenCache(join(state, 'seen'), 7 * 3600), active: () => true, logger: Logger.silent(),
  });
  await poller.start();
  await pool.get(`${sshd.url}/`); // connection set up outside the timing, as in a running poll
  for (const pass of ['first (all new)', 'second (all known)']) {
    const t = performance.now();
    const n = await poller.cycle();
    const s = (performance.now() - t) / 1000;
    console.log(`poll cycle, ${pass}: ${FILES} files listed over SFTP, ${n} announced, in ${s.toFixed(2)} s   (target < 5 s)`);
  }
  await poller.stop();
} finally {
  await pool.closeAll();
  await sshd.cleanup();
  await rm(state, { recursive: true, force: true });
}
