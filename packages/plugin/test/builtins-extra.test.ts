// The built-ins added for issue 18 item 4: scheduled (a gather on a schedule), accept.toftp, accept.log, and the
// poll helper noticeFor; each loaded by its sr3 name from a configuration as a flow loads it.
import { afterEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger } from '@sarra/common';
import { lintConfig, loadConfig } from '@sarra/config';
import { newWorklist, withPluginGather, type FlowHook, type Gatherer } from '@sarra/flow';
import { validateNotice } from '@sarra/message';
import { noticeFor, noticeUrl } from '@sarra/plugin';
import { tempHome } from '@sarra/testkit/home';
import Scheduled from '../src/builtin/scheduled.js';
import { item, load, withLoaded } from './helpers.js';

afterEach(() => mock.timers.reset());


/** The flow's own wrapping of plugin gathers around a source that has nothing: what a pass would take. */
function passOf(h: FlowHook, counts: Map<string, number>): (max: number) => Promise<string[]> {
  const none: Gatherer = { name: 'none', start: async () => undefined, stop: async () => undefined, gather: async () => [] };
  const metrics = { inc: (n: string) => counts.set(n, (counts.get(n) ?? 0) + 1), set: () => undefined, lag: () => undefined,
    rejected: () => undefined, write: async () => undefined };
  const g = withPluginGather(none, [h], Logger.silent(), metrics);
  return async (max) => (await g.gather(max, new AbortController().signal)).map((i) => `${i.notice.baseUrl}${i.notice.relPath}`);
}

const T0 = Date.UTC(2026, 11, 4, 4, 29, 59);

test('scheduled: every scheduled_interval, one notice per path under post_baseUrl, first one interval after start', async () => {
  mock.timers.enable({ apis: ['Date'], now: T0 });
  await withLoaded('post_baseUrl https://api.example.com/v1/\npath stations.json obs/latest.csv\nscheduled_interval 2\ncallback scheduled', async (_l, h) => {
    assert.equal(h.name, 'scheduled');
    const counts = new Map<string, number>();
    const pass = passOf(h, counts);
    assert.deepEqual(await pass(10), []);
    mock.timers.tick(1999);
    assert.deepEqual(await pass(10), []);
    mock.timers.tick(1);
    assert.deepEqual(await pass(10), ['https://api.example.com/v1/stations.json', 'https://api.example.com/v1/obs/latest.csv']);
    assert.deepEqual(await pass(10), [], 'nothing between appointments');
    mock.timers.tick(2000);
    // room for one: the second is kept for the next pass, not lost
    assert.deepEqual(await pass(1), ['https://api.example.com/v1/stations.json']);
    assert.deepEqual(await pass(1), ['https://api.example.com/v1/obs/latest.csv']);
    assert.equal(counts.get('totals.malformed'), undefined, 'the notices are valid received ones');
    assert.equal(h.metricsReport!().runs, 2);
  });
});

test('scheduled: scheduled_hour x scheduled_minute are UTC appointments; the notice has a cod identity and no size', async () => {
  mock.timers.enable({ apis: ['Date'], now: T0 });
  await withLoaded('post_baseUrl https://host/\npath x.txt\nscheduled_hour 4,16\nscheduled_minute 30\ncallback scheduled', async (_l, h) => {
    assert.deepEqual(await h.gather!(10), []);
    mock.timers.tick(1000); // 04:30:00
    const [n] = (await h.gather!(10)) as Record<string, unknown>[];
    assert.deepEqual(n!.identity, { method: 'cod', value: 'sha512' });
    assert.equal(n!.relPath, 'x.txt');
    assert.equal(n!.size, undefined);
    mock.timers.tick(11 * 3600_000); // 15:30
    assert.deepEqual(await h.gather!(10), []);
    mock.timers.tick(3600_000); // 16:30
    assert.equal(((await h.gather!(10)) as unknown[]).length, 1);
    assert.equal(h.metricsReport!().next, '20261205T043000.0');
  });
});

test('scheduled: refused at start without path or post_baseUrl, and in poll/post/watch whose source reads path', async () => {
  await assert.rejects(load('post_baseUrl https://host/\ncallback scheduled'), /scheduled needs path lines/);
  await assert.rejects(load('path a\ncallback scheduled'), /scheduled needs post_baseUrl/);
  await assert.rejects(load('post_baseUrl https://host/\npath a\nscheduled_minute 61\ncallback scheduled'), /scheduled_minute 61/);
  const l = await load('post_baseUrl https://host/\npath a\ncallback scheduled');
  try {
    for (const component of ['poll', 'post', 'watch']) {
      assert.throws(() => new Scheduled({ ...l.o, component }, Logger.silent()), /itself/);
    }
  } finally {
    await l.home.cleanup();
  }
});

test('accept.toftp: a file URL under the root is announced on the ftp server; tohttp then leaves it alone', async () => {
  const l = await load('baseDir /var/ftp\ntoFtpUrl ftp://anonymous@ftp.example.com/pub\ncallback accept.tolocal\ncallback accept.toftp\ncallback accept.tohttp');
  try {
    const [toLocal, toFtp, toHttp] = l.hooks;
    const wl = newWorklist([item('20261204/a.grib', 'http://web.example.com/'), item('b', 'file:///elsewhere/')]);
    for (const h of [toLocal!, toFtp!, toHttp!]) await h.afterAccept!(wl);
    assert.deepEqual(wl.incoming.map((i) => i.notice.baseUrl), ['ftp://anonymous@ftp.example.com/pub/', 'file:///elsewhere/']);
  } finally {
    await l.home.cleanup();
  }
});

test('accept.toftp: toFtpUrl required, ftp(s) only, no password; a document root required', async () => {
  await assert.rejects(load('baseDir /var/ftp\ncallback accept.toftp'), /needs toFtpUrl/);
  await assert.rejects(load('baseDir /var/ftp\ntoFtpUrl https://host/\ncallback accept.toftp'), /ftp:\/\/ or ftps:\/\/, not https:/);
  await assert.rejects(load('baseDir /var/ftp\ntoFtpUrl ftp://u:secret@host/\ncallback accept.toftp'), (e: unknown) =>
    e instanceof Error && /must not carry a password/.test(e.message) && !e.message.includes('secret'));
  await assert.rejects(load('toFtpUrl ftp://host/\ncallback accept.toftp'), /toFtpRoot or baseDir/);
});

test('accept.log: each item as it stands where the callback is named, its whole notice with logMessageDump', async () => {
  await withLoaded('logMessageDump on\ncallback accept.log', async (l, h) => {
    const wl = newWorklist([item('d/b.txt', 'sftp://u:pw@host/', '/tmp/dest')]);
    await h.afterAccept!(wl);
    const lines = await l.lines();
    assert.ok(lines.some((s) => s.includes('accept.log: sftp://u:***@host/d/b.txt -> /tmp/dest/b.txt')), lines.join('\n'));
    assert.ok(lines.some((s) => /accept\.log: message: \{.*"relPath":"d\/b\.txt"/.test(s)), lines.join('\n'));
    assert.ok(!lines.some((s) => s.includes(':pw@')));
    assert.equal(wl.incoming.length, 1, 'logging moves nothing');
  });
});

test('sr3 names without a built-in of that name: errors at lint and at start naming what does the work here', async () => {
  const h = await tempHome('sarra-plugin-');
  try {
    await h.writeConfig('subscribe/t.conf', 'broker amqp://anonymous@localhost\ncallback msg.log\ncallback scheduled.poll\ncallback poll.nexrad\n');
    const errors = (await lintConfig('subscribe', 't', { env: h.env })).filter((d) => d.severity === 'error');
    assert.ok(errors.some((d) => d.line === 2 && /callback msg\.log: no such plugin module.*equivalent: callback accept\.log/.test(d.message)));
    assert.ok(errors.some((d) => d.line === 3 && /callback scheduled\.poll: .*scheduled_interval/.test(d.message)));
    assert.ok(errors.some((d) => d.line === 4 && /callback poll\.nexrad: .*a site poll, not built in: .*noticeFor/.test(d.message)));
    await assert.rejects(loadConfig('subscribe', 't', { env: h.env }), /t\.conf:2: callback msg\.log: .*accept\.log/);
  } finally {
    await h.cleanup();
  }
});

test('noticeFor: a site poll entry becomes a notice under post_baseUrl with the facts given; malformed facts throw', async () => {
  const l = await load('post_baseUrl https://s3.example.com/bucket/\nidentity cod,md5\nsource nasa');
  try {
    const n = noticeFor(l.o, '2026/12/04/KTLX_0001', { size: 12, mtime: Date.UTC(2026, 11, 4), mode: 0o644, retrievePath: '/get?k=1' });
    assert.deepEqual({ ...n, pubTime: undefined }, {
      pubTime: undefined, baseUrl: 'https://s3.example.com/bucket/', relPath: '2026/12/04/KTLX_0001', identity: { method: 'cod', value: 'md5' },
      size: 12, mtime: '20261204T000000.0', atime: '20261204T000000.0', mode: '644', source: 'nasa', retrievePath: '/get?k=1',
    });
    assert.doesNotThrow(() => validateNotice({ ...n }), 'what a poll or gather returns passes the received-notice check');
    assert.throws(() => noticeFor(l.o, 'x', { size: -1 }), /not a byte count/);
    assert.throws(() => noticeFor(l.o, 'x', { mtime: 'yesterday' }), /not an sr3 timestamp/);
    assert.throws(() => noticeFor(l.o, ''), /non-empty/);
    assert.throws(() => noticeFor({ ...l.o, post_baseUrl: undefined, pollUrl: undefined }, 'x'), /no post_baseUrl/);
  } finally {
    await l.home.cleanup();
  }
});

test('noticeUrl joins baseUrl and relPath with one slash, as the flow does', () => {
  const n = (baseUrl: string, relPath: string) => ({ pubTime: '20261204T100000', baseUrl, relPath });
  assert.deepEqual([n('http://h/', '/a/b'), n('http://h', 'a/b'), n('http://h/', 'a/b'), n('http://h', '/a/b'), n('file:/d/', '')].map(noticeUrl),
    ['http://h/a/b', 'http://h/a/b', 'http://h/a/b', 'http://h/a/b', 'file:/d/']);
});
