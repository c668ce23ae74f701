// Issue 16 item 1 through a real instance: `logJson on` with `logStdout on` makes every line the instance writes one JSON
// object on standard output (parsed here), the broker URL shown without its password.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { runCli } from '@sarra/testkit/child';

let h: TempHome;
let vh: TestVhost;
let tree: string;
before(async () => {
  h = await tempHome();
  vh = await withVhost('sarra-logjson');
  tree = join(h.home, 'tree');
  await mkdir(tree, { recursive: true });
  for (const n of ['a', 'b']) await writeFile(join(tree, `${n}.txt`), `${n}\n`);
  await h.writeConfig('credentials.conf', `${vh.url}\n`);
  await h.writeConfig('post/j.conf', [`post_broker ${vh.url.replace('guest:guest@', 'guest@')}`, 'post_exchange xlogjson', 'exchangeDeclare on',
    'post_baseUrl file:/', 'post_baseDir /', 'logJson on', 'logStdout on', ''].join('\n'));
});
after(async () => {
  await vh.cleanup();
  await h.cleanup();
});

test('logJson + logStdout: one JSON object a line on standard output, each with time, level, name, pid, message; redacted', async () => {
  const r = await runCli(['post', '-c', 'post/j', tree], h.env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { time: string; level: string; name: string; pid: number; message: string });
  assert.ok(recs.length >= 4, r.stdout);
  for (const x of recs) {
    assert.equal(x.name.split(' ')[0], 'post/j:00');
    assert.ok(['debug', 'info', 'warning', 'error', 'critical'].includes(x.level));
    assert.ok(Number.isInteger(x.pid) && !Number.isNaN(Date.parse(x.time)));
  }
  assert.ok(recs.some((x) => /^published: xlogjson \S+ .*\/a\.txt$/.test(x.message)), r.stdout);
  assert.ok(recs.some((x) => x.name === 'post/j:00 post' && x.message.startsWith('connected to amqp://')), r.stdout);
  assert.doesNotMatch(r.stdout, /guest:guest@/);
});
