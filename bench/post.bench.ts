// Benchmark: post of 2,000 files of 4 KiB with sha512 (target >= 3,000 files/s; sr3 852/s).
// Prints the gatherer alone (walk + hash + notice) and the whole `post` instance publishing to RabbitMQ.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@sarra/common';
import { withVhost } from '@sarra/testkit/rabbit';
import { tempHome } from '@sarra/testkit/home';
import { FileGatherer } from '../packages/components/src/producers/file-gatherer.js';
import { runInstance } from '../packages/components/src/instance.js';

const FILES = 2000;
const dir = await mkdtemp(join(tmpdir(), 'post-bench-'));
const src = join(dir, 'src');
for (let d = 0; d < 20; d++) {
  await mkdir(join(src, `d${d}`), { recursive: true });
  for (let f = 0; f < FILES / 20; f++) await writeFile(join(src, `d${d}`, `f${f}.dat`), randomBytes(4096));
}

for (const pass of ['cold', 'warm']) {
  const g = new FileGatherer({ paths: [src], baseUrl: 'http://localhost/', baseDir: src, identity: 'sha512', inline: false,
    inlineByteMax: 0, postDirectories: false, logger: Logger.silent() });
  const t = performance.now();
  await g.start();
  const ac = new AbortController();
  let n = 0;
  while (!g.done()) n += (await g.gather(100, ac.signal)).length;
  const rate = n / ((performance.now() - t) / 1000);
  console.log(`post gatherer (${pass}): ${n} files of 4 KiB sha512 at ${rate.toFixed(0)} files/s   (target >= 3000; sr3 852)`);
}

const v = await withVhost('sarra-bench');
const home = await tempHome();
try {
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  await home.writeConfig('post/bench.conf', [`post_broker amqp://guest@127.0.0.1:5672/${v.vhost}`, 'post_exchange xbench',
    'post_baseUrl http://localhost/', `post_baseDir ${src}`, 'identity sha512', 'batch 100', ''].join('\n'));
  for (const pass of ['first run (cold)', 'second run (warm)']) {
    const t = performance.now();
    const code = await runInstance({ component: 'post', config: 'bench', instance: 1, foreground: false, env: home.env, paths: [src] });
    const s = (performance.now() - t) / 1000;
    console.log(`post instance, ${pass}, walk + hash + publish with confirms: ${FILES} files in ${s.toFixed(2)} s = ${(FILES / s).toFixed(0)} files/s   (target >= 3000; sr3 852)  exit ${code}`);
  }
} finally {
  await v.cleanup();
  await home.cleanup();
  await rm(dir, { recursive: true, force: true });
}
