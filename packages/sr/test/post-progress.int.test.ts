// Issue 16 item 5: `sr post` of a tree on a terminal (a real pty: util-linux `script`) shows files, bytes, rate and ETA
// (cli-progress); the same post through pipes prints no progress at all. Real RabbitMQ (testkit vhost).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { runCli, SR_BIN } from '@sarra/testkit/child';

let h: TempHome;
let vh: TestVhost;
let tree: string;
before(async () => {
  h = await tempHome();
  vh = await withVhost('sarra-post-progress');
  tree = join(h.home, 'tree');
  for (let d = 0; d < 4; d++) {
    await mkdir(join(tree, `d${d}`), { recursive: true });
    for (let f = 0; f < 10; f++) await writeFile(join(tree, `d${d}`, `f${f}.txt`), 'x'.repeat(1000));
  }
  await h.writeConfig('credentials.conf', `${vh.url}\n`);
  await h.writeConfig('post/p.conf', [`post_broker ${vh.url.replace('guest:guest@', 'guest@')}`, 'post_exchange xprogress', 'exchangeDeclare on',
    'post_baseUrl file:/', 'post_baseDir /', 'logEvents on_stop', ''].join('\n'));
});
after(async () => {
  await vh.cleanup();
  await h.cleanup();
});

test('on a pty: the progress line with files, bytes, rate and ETA, ending at 40/40 files and 39.1 KiB', async () => {
  const cmd = [process.execPath, SR_BIN, 'post', '-c', 'post/p', tree].map((a) => `'${a}'`).join(' ');
  const { stdout } = await promisify(execFile)('script', ['-qec', cmd, '/dev/null'], { env: h.env as NodeJS.ProcessEnv, timeout: 60_000 });
  assert.match(stdout, /posting \[[=\- ]*\] \d+\/\d+ files \| [\d.]+ (B|KiB) ?\+?\/[\d.]+ (B|KiB)\+? \| [\d.]+ (B|KiB|MiB)\/s \| ETA /);
  assert.match(stdout, /posting \[=+\] 40\/40 files \| 39\.1 KiB\/39\.1 KiB \| [\d.]+ (B|KiB|MiB)\/s \| ETA 0s/);
});

test('through pipes (not a TTY): the same post prints no progress', async () => {
  const r = await runCli(['post', '-c', 'post/p', tree], h.env);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /posting \[|ETA/);
});
