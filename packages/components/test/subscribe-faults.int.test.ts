// Integration (real RabbitMQ + nginx): malformed floods, hostile paths and checksum/size mismatches (ACCEPTANCE 13-15).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { startNginx, type NginxHandle } from '@sarra/testkit/nginx';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import type { Notice } from '@sarra/message';
import { runInstance } from '../src/instance.js';
import { SAMPLE, collector, declareExchanges, listFiles, noticesFor, publish, readMetrics, total, treeSums, waitFor } from './flowkit.js';

let v: TestVhost;
let home: TempHome;
let work: string;
let origin: NginxHandle;

before(async () => {
  v = await withVhost('sarra-faults');
  home = await tempHome();
  work = await mkdtemp(join(tmpdir(), 'sarra-faults-'));
  await cp(SAMPLE, join(work, 'src'), { recursive: true });
  await writeFile(join(work, 'victim.txt'), 'must survive\n');
  origin = await startNginx({ root: join(work, 'src') });
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  const broker = `amqp://guest@127.0.0.1:5672/${v.vhost}`;
  await home.writeConfig('subscribe/faults.conf', [
    `broker ${broker}`, 'exchange xin', `directory ${join(work, 'dl')}`, 'mirror on',
    `post_broker ${broker}`, 'post_exchange xout', 'post_baseUrl http://127.0.0.1:1/', 'logLevel error', '',
  ].join('\n'));
  await declareExchanges(v.url, ['xin', 'xout']);
});

after(async () => {
  await origin?.cleanup();
  await v?.cleanup();
  await home?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

const MALFORMED: { raw: Buffer; routingKey: string; contentType?: string }[] = [
  { raw: Buffer.from('{not json'), routingKey: 'v03.a', contentType: 'application/json' },
  { raw: Buffer.from('{"baseUrl": "http://x/", "relPath": "/a/b"}'), routingKey: 'v03.a', contentType: 'application/json' },
  { raw: Buffer.from('{"pubTime": "yesterday", "baseUrl": "http://x/", "relPath": "/a/b"}'), routingKey: 'v03.a', contentType: 'application/json' },
  { raw: Buffer.from('{"pubTime": "20240101T000000", "baseUrl": "http://x/", "relPath": "/a/b", "identity": {"method": "crc99", "value": "x"}}'), routingKey: 'v03.a', contentType: 'application/json' },
  { raw: Buffer.from('{"pubTime": 12, "baseUrl": ["x"], "relPath": {"a": 1}}'), routingKey: 'v03.a', contentType: 'application/json' },
  { raw: Buffer.from('20240101000000 http://x/'), routingKey: 'v03.a', contentType: 'text/plain' },
  { raw: Buffer.concat([Buffer.from('{"pubTime": "20240101T000000", "baseUrl": "http://x/", "relPath": "/a/b", "pad": "'), Buffer.alloc(2 << 20, 97), Buffer.from('"}')]), routingKey: 'v03.a', contentType: 'application/json' },
  { raw: Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x7b, 0x80, 0x81, 0x00]), routingKey: 'v03.a' },
];

test('malformed, hostile and mismatched notices are acked and counted; the valid ones around them arrive; nothing escapes', { timeout: 120_000 }, async () => {
  const out = await collector(v.url, 'xout');
  const ctl = new AbortController();
  const run = runInstance({ component: 'subscribe', config: 'faults', instance: 1, foreground: false, env: home.env, signal: ctl.signal });
  let stopped = false;
  void run.then(() => { stopped = true; });
  const valid = (await noticesFor(join(work, 'src'), origin.url, (r) => !r.includes('reject/'))).slice(0, 60);
  const sampleRel = valid[0]!.relPath;
  const hostile: Notice[] = [
    { ...valid[0]!, relPath: '/../victim.txt' },
    { ...valid[0]!, relPath: '/20200105/%2e%2e/%2e%2e/victim.txt' },
    { ...valid[0]!, relPath: '/a/../../victim.txt' },
    { pubTime: valid[0]!.pubTime, baseUrl: origin.url, relPath: '/../victim.txt', fileOp: { remove: '' } },
    { pubTime: valid[0]!.pubTime, baseUrl: origin.url, relPath: '/x/evil-link', fileOp: { link: '../../../../etc/passwd' } },
    { pubTime: valid[0]!.pubTime, baseUrl: origin.url, relPath: '/x/evil-rename', fileOp: { rename: '/../victim.txt' } },
  ];
  const badSum = { ...valid[1]!, relPath: valid[1]!.relPath, identity: { method: 'sha512' as const, value: Buffer.alloc(64, 1).toString('base64') } };
  const badSize = { ...valid[2]!, size: (valid[2]!.size ?? 0) + 7 };
  const good = valid.slice(3);
  try {
    await waitFor('queue declared', async () => (await v.mgmt.queues(v.vhost)).some((q) => q.name.startsWith('q_guest.subscribe')), 30_000);
    const mixed: Parameters<typeof publish>[2] = [];
    good.forEach((n, i) => {
      mixed.push(n);
      if (i < MALFORMED.length) mixed.push(MALFORMED[i]!);
      if (i < hostile.length) mixed.push(hostile[i]!);
    });
    mixed.push(badSum, badSize);
    await publish(v.url, 'xin', mixed);
    await waitFor('queue drained', async () => (await v.mgmt.queues(v.vhost)).every((q) => q.messages === 0), 60_000);
    await waitFor('valid files delivered', async () => {
      const have = new Set(await listFiles(join(work, 'dl')).catch(() => [] as string[]));
      return good.every((n) => have.has(n.relPath.slice(1)));
    }, 30_000);
    assert.equal(stopped, false, 'the process stays up');
  } finally {
    ctl.abort();
    assert.equal(await run, 0);
    await new Promise((r) => setTimeout(r, 300));
    await out.close();
  }
  const m = await readMetrics(home.cacheDir, 'subscribe', 'faults');
  if (process.env.DEBUG_FAULTS) process.stderr.write(await readFile(join(home.cacheDir, 'log', 'subscribe_faults_01.log'), 'utf8'));
  assert.equal(total(m, 'malformed'), MALFORMED.length);
  assert.equal(total(m, 'mismatch'), 2);
  assert.equal(total(m, 'transferredFiles'), good.length);
  const refused = total(m, 'rejected') + total(m, 'failed');
  assert.ok(refused >= hostile.length + 2, `hostile and mismatched refused and counted (rejected+failed = ${refused})`);
  // nothing outside the directory was read, written or removed
  assert.equal(await readFile(join(work, 'victim.txt'), 'utf8'), 'must survive\n');
  await assert.rejects(stat(join(work, 'dl', 'x', 'evil-link')));
  // mismatched files: nothing at the final path, and never re-announced
  await assert.rejects(stat(join(work, 'dl', badSum.relPath)));
  await assert.rejects(stat(join(work, 'dl', badSize.relPath)));
  const announced = new Set(out.got.map((n) => n.relPath));
  assert.ok(!announced.has(badSum.relPath.slice(1)) && !announced.has(badSum.relPath), 'bad checksum not re-announced');
  assert.ok(!announced.has(badSize.relPath.slice(1)) && !announced.has(badSize.relPath), 'bad size not re-announced');
  assert.equal(out.got.filter((n) => !n.fileOp).length, good.length, 'every good file announced once');
  // delivered bytes are right
  const want = await treeSums(join(work, 'src'), (r) => good.some((n) => n.relPath === `/${r}`));
  assert.deepEqual(await treeSums(join(work, 'dl')), want);
  assert.ok(sampleRel);
});
