// The built-in `scheduled` gather in a real shovel on RabbitMQ: at each scheduled_interval the `path` entries are
// announced under post_baseUrl beside what the queue brings, and the metrics file counts the runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { runInstance } from '../src/instance.js';
import { collector, declareExchanges, readMetrics, waitFor } from './flowkit.js';

let v: TestVhost;
let home: TempHome;

before(async () => {
  v = await withVhost('sarra-scheduled');
  home = await tempHome();
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  const broker = `amqp://guest@127.0.0.1:5672/${v.vhost}`;
  await home.writeConfig('shovel/sched.conf', [
    `broker ${broker}`, 'exchange xin', `post_broker ${broker}`, 'post_exchange xout',
    'post_baseUrl https://api.example.com/v1/', 'path stations.json obs/latest.csv', 'scheduled_interval 1',
    'callback scheduled', 'accept .*', '',
  ].join('\n'));
  await declareExchanges(v.url, ['xin', 'xout']);
});

after(async () => {
  await v?.cleanup();
  await home?.cleanup();
});

test('scheduled announces its paths once a second in a real shovel, each appointment anew', { timeout: 60_000 }, async () => {
  const out = await collector(v.url, 'xout');
  const ctl = new AbortController();
  const run = runInstance({ component: 'shovel', config: 'sched', instance: 1, foreground: false, env: home.env, signal: ctl.signal });
  try {
    await waitFor('two appointments posted', () => out.got.length >= 4, 20_000);
    const first = out.got.slice(0, 2).map((n) => [n.baseUrl, n.relPath, JSON.stringify(n.identity), n.size]);
    assert.deepEqual(first, [
      ['https://api.example.com/v1/', 'stations.json', '{"method":"cod","value":"sha512"}', undefined],
      ['https://api.example.com/v1/', 'obs/latest.csv', '{"method":"cod","value":"sha512"}', undefined],
    ]);
    assert.deepEqual(out.got.slice(2, 4).map((n) => n.relPath), ['stations.json', 'obs/latest.csv']);
    await waitFor('runs in the metrics file', async () => {
      const m = await readMetrics(home.cacheDir, 'shovel', 'sched');
      return Number((m?.scheduled as { runs?: number } | undefined)?.runs ?? 0) >= 2;
    }, 20_000);
  } finally {
    ctl.abort();
    await run.catch(() => undefined);
    await out.close();
  }
});
