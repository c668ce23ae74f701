// The detail view's data from files in a private home: log tails bounded and redacted, errors picked, options or their load error.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { after, before, test } from 'node:test';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { configDetail } from '../src/detail.js';
import { logFile, metricsFile } from '../src/layout.js';

let h: TempHome;

before(async () => { h = await tempHome(); });
after(async () => { await h.cleanup(); });

test('a big log: only its end is read, the tail and the warnings/errors/rejections, passwords masked', async () => {
  await h.writeConfig('subscribe/d.conf', 'broker amqp://bob@127.0.0.1/\nexchange xd\ninstances 2\ndirectory /tmp/d\naccept .*\n');
  const log = logFile('subscribe', 'd', 1, h.env);
  await mkdir(dirname(log), { recursive: true });
  const filler = Array.from({ length: 3000 }, (_, i) => `2026-12-03 10:00:${String(i % 60).padStart(2, '0')}.000 [INFO] subscribe/d:01 line ${i} ${'x'.repeat(40)}`);
  await writeFile(log, [...filler, '2026-12-03 11:00:00.000 [ERROR] subscribe/d:01 cannot reach amqp://bob:s3cret@broker/ now',
    '2026-12-03 11:00:01.000 [INFO] subscribe/d:01 rejected: 404 no match file:/x/y', '2026-12-03 11:00:02.000 [INFO] subscribe/d:01 the last line', ''].join('\n'));
  const metrics = metricsFile('subscribe', 'd', 1, h.env);
  await mkdir(dirname(metrics), { recursive: true });
  await writeFile(metrics, JSON.stringify({ retry: { msgs_in_download_retry: 4, msgs_in_post_retry: 2 } }));
  const d = await configDetail({ component: 'subscribe', config: 'd' }, h.env);
  assert.equal(d.logs.length, 1, 'instance 2 has no log');
  assert.equal(d.logs[0]!.lines.length, 40);
  assert.equal(d.logs[0]!.lines.at(-1), '2026-12-03 11:00:02.000 [INFO] subscribe/d:01 the last line');
  assert.ok(d.logs[0]!.lines.every((l) => l.startsWith('2026-12-03 ')), 'no piece of a line cut by the read');
  assert.deepEqual(d.errors, ['2026-12-03 11:00:00.000 [ERROR] subscribe/d:01 cannot reach amqp://bob:***@broker/ now',
    '2026-12-03 11:00:01.000 [INFO] subscribe/d:01 rejected: 404 no match file:/x/y']);
  assert.doesNotMatch(JSON.stringify(d), /s3cret/);
  assert.deepEqual(d.retry, [{ instance: 1, download: 4, post: 2 }]);
  assert.match(d.options, /^exchange: xd$/m);
  assert.equal(d.status.state, 'stop');
});

test('a configuration that does not load: its error in place of the options and among the errors', async () => {
  await h.writeConfig('subscribe/bad.conf', 'broker amqp://bob@127.0.0.1/\nnodupe_ttl banana\n');
  const d = await configDetail({ component: 'subscribe', config: 'bad' }, h.env);
  assert.match(d.options, /^does not load: .*nodupe_ttl/);
  assert.match(d.errors.at(-1) ?? '', /^configuration: .*nodupe_ttl/);
  assert.deepEqual(d.logs, []);
});
