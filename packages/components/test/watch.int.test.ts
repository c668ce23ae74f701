// Integration: watch on a directory into which the sample tree is copied, publishing to the real RabbitMQ:
// every file announced once with its checksum (and the directories), then a link, a rename and a remove.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, mkdir, readdir, readFile, rename, rm, symlink, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { runInstance } from '../src/instance.js';
import { collector, logTails, waitFor as waitUntil } from './flowkit.js';

import { SAMPLE } from '@sarra/testkit/sample';
let v: TestVhost;
let home: TempHome;
let work: string;

/** Waits for `cond`; on time-out the error carries the tail of every instance log. */
const waitFor = (what: string, cond: () => Promise<boolean> | boolean, ms: number): Promise<void> =>
  waitUntil(what, cond, ms, () => logTails(home.cacheDir));

before(async () => {
  v = await withVhost('sarra-watch');
  home = await tempHome();
  work = await mkdtemp(join(tmpdir(), 'watch-int-'));
  await home.writeConfig('credentials.conf', `${v.url}\n`);
});

after(async () => {
  await v?.cleanup();
  await home?.cleanup();
  await rm(work, { recursive: true, force: true });
});

for (const polling of [false, true]) {
  test(`watch${polling ? ' (force_polling)' : ''}: the copied sample tree, then a link, a rename and a remove`, async () => {
    const watched = join(work, polling ? 'polled' : 'watched');
    await mkdir(watched);
    const exchange = polling ? 'xwatch_poll' : 'xwatch';
    await home.writeConfig(`watch/${exchange}.conf`, [
      `post_broker amqp://guest@127.0.0.1:5672/${v.vhost}`, `post_exchange ${exchange}`, 'post_baseUrl http://localhost:8090/',
      `post_baseDir ${watched}`, `path ${watched}`, 'reject .*/reject/.*', 'sleep 1', ...(polling ? ['force_polling on'] : []), ''].join('\n'));
    const c = await collector(v.url, exchange);
    const ac = new AbortController();
    const running = runInstance({ component: 'watch', config: exchange, instance: 1, foreground: false, env: home.env, signal: ac.signal });
    try {
      await new Promise((r) => setTimeout(r, 1500)); // watcher ready
      await cp(SAMPLE, watched, { recursive: true });
      const files = () => c.got.filter((n) => !n.fileOp);
      await waitFor('1,125 files announced', () => files().length >= 1125, 120_000);
      await new Promise((r) => setTimeout(r, 3000));
      const fs = files();
      assert.equal(fs.length, 1125);
      assert.equal(new Set(fs.map((n) => n.relPath)).size, 1125, 'each file once');
      assert.ok(fs.every((n) => !n.relPath.startsWith('reject/')));
      for (const n of fs) {
        const data = await readFile(join(watched, n.relPath));
        assert.equal(n.identity?.value, createHash('sha512').update(data).digest('base64'), n.relPath);
      }
      const dirs = c.got.filter((n) => n.fileOp?.directory !== undefined);
      assert.ok(dirs.some((n) => n.relPath === '20200105/WXO-DD'), 'directories announced');

      const base = '20200105/WXO-DD';
      const [first] = (await readdir(join(watched, base), { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
      const firstRel = join(first!.parentPath ?? first!.path, first!.name).slice(watched.length + 1);
      c.got.length = 0;
      await symlink(join(watched, firstRel), join(watched, base, 'the-link'));
      await waitFor('the link', () => c.got.some((n) => n.fileOp?.link !== undefined), 20_000);
      await rename(join(watched, firstRel), join(watched, base, 'renamed.dat'));
      await waitFor('the rename', () => c.got.some((n) => n.fileOp?.rename !== undefined), 20_000);
      await unlink(join(watched, base, 'the-link'));
      await waitFor('the remove', () => c.got.some((n) => n.fileOp?.remove !== undefined), 20_000);
      const link = c.got.find((n) => n.fileOp?.link !== undefined)!;
      assert.equal(link.relPath, `${base}/the-link`);
      assert.equal(link.fileOp!.link, join(watched, firstRel));
      const ren = c.got.find((n) => n.fileOp?.rename !== undefined)!;
      assert.equal(ren.relPath, `${base}/renamed.dat`);
      assert.equal(ren.fileOp!.rename, firstRel);
      const rem = c.got.find((n) => n.fileOp?.remove !== undefined)!;
      assert.equal(rem.relPath, `${base}/the-link`);
    } finally {
      ac.abort();
      assert.equal(await running, 0);
      await c.close();
    }
  });
}
