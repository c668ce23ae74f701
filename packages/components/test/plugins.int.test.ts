// A user plugin in ~/.config/sarra/plugins importing '@sarra/plugin', run by a real shovel on RabbitMQ: its
// afterAccept rejections are counted under their reason, its edits reach the posted notices, its gather adds
// notices of its own, its metricsReport is in the metrics file, and a built-in plugin runs beside it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { nowTimestamp, type Notice } from '@sarra/message';
import { runInstance } from '../src/instance.js';
import { collector, declareExchanges, publish, readMetrics, waitFor } from './flowkit.js';

let v: TestVhost;
let home: TempHome;

const PLUGIN = `import { keep, nowTimestamp } from '@sarra/plugin';
export const options = { tag_value: { kind: 'str', default: 'none' } };
export default class Tagger {
  name = 'tagger';
  seen = 0;
  gave = false;
  constructor(o) { this.tag = o.pluginOptions.tag_value; }
  afterAccept(wl) {
    keep(wl, (it) => !it.notice.relPath.endsWith('.tmp') || 'temporary file');
    for (const it of wl.incoming) { it.notice.tagged = this.tag; this.seen++; }
  }
  gather() {
    if (this.gave) return [];
    this.gave = true;
    return [{ pubTime: nowTimestamp(), baseUrl: 'http://plugin.example/', relPath: 'from/gather.txt' }];
  }
  metricsReport() { return { seen: this.seen }; }
}
`;

before(async () => {
  v = await withVhost('sarra-plugins');
  home = await tempHome();
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  await home.writeConfig('plugins/tagger.mjs', PLUGIN);
  const broker = `amqp://guest@127.0.0.1:5672/${v.vhost}`;
  await home.writeConfig('shovel/tag.conf', [
    `broker ${broker}`, 'exchange xin', `post_broker ${broker}`, 'post_exchange xout',
    'callback tagger', 'tag_value blue', 'callback sarracenia.flowcb.accept.httptohttps.HttpToHttps', 'accept .*', '',
  ].join('\n'));
  await declareExchanges(v.url, ['xin', 'xout']);
});

after(async () => {
  await v?.cleanup();
  await home?.cleanup();
});

const notice = (relPath: string): Notice => ({ pubTime: nowTimestamp(), baseUrl: 'http://src.example/', relPath, size: 1 });

test('a user plugin importing @sarra/plugin filters, edits, gathers and reports in a real shovel', { timeout: 90_000 }, async () => {
  const out = await collector(v.url, 'xout');
  const ctl = new AbortController();
  const run = runInstance({ component: 'shovel', config: 'tag', instance: 1, foreground: false, env: home.env, signal: ctl.signal });
  try {
    await waitFor('queue declared', async () => (await v.mgmt.queues(v.vhost)).length >= 2, 30_000);
    await publish(v.url, 'xin', [notice('a/one.txt'), notice('a/two.tmp'), notice('a/three.txt')]);
    await waitFor('three notices posted', () => out.got.length >= 3, 30_000);
    await out.settle(1000, 10_000);
    const posted = out.got.map((n) => [n.relPath, n.baseUrl, n.tagged]).sort();
    assert.deepEqual(posted, [
      ['a/one.txt', 'https://src.example/', 'blue'],
      ['a/three.txt', 'https://src.example/', 'blue'],
      ['from/gather.txt', 'https://plugin.example/', 'blue'],
    ]);
    await waitFor('metrics written', async () => {
      const m = await readMetrics(home.cacheDir, 'shovel', 'tag');
      return (m?.tagger as { seen?: number } | undefined)?.seen === 3;
    }, 20_000);
    const m = (await readMetrics(home.cacheDir, 'shovel', 'tag'))!;
    assert.equal(m.totals!.rejected, 1, 'the .tmp rejected by the plugin, counted');
    assert.deepEqual(Object.keys(m.totals!.rejectedByReason as Record<string, number>).filter((k) => k.startsWith('404')).length, 1);
  } finally {
    ctl.abort();
    await run.catch(() => undefined);
    await out.close();
  }
});
