// Unit tests of the poll producer: schedule with an injected clock, vip choice, listing notices, the seen cache, a cycle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@sarra/common';
import type { RemoteEntry, Transfer } from '@sarra/transfer';
import { parseSchedule, nextRun } from '../src/producers/schedule.js';
import { holdsVip, localAddresses } from '../src/producers/vip.js';
import { noticeOfEntry, remoteDirOf, seenKey, SeenCache } from '../src/producers/listing.js';
import { Poller } from '../src/producers/poller.js';

const T0 = Date.UTC(2026, 10, 22, 10, 17, 30);

test('schedule: interval runs at once, then every interval; late runs do not burst', () => {
  const s = parseSchedule({ scheduled_interval: 60 });
  assert.equal(nextRun(s, undefined, T0), T0);
  assert.equal(nextRun(s, T0, T0 + 1000), T0 + 60_000);
  assert.equal(nextRun(s, T0, T0 + 500_000), T0 + 500_000);
  assert.equal(parseSchedule({ sleep: 30 }).interval, 30, 'legacy sleep > 1');
  assert.equal(parseSchedule({}).interval, 300);
});

test('schedule: hour x minute and HH:MM appointments in UTC', () => {
  const hm = parseSchedule({ scheduled_hour: ['1,13'], scheduled_minute: ['15', '45'] });
  assert.deepEqual(hm.appointments, [75, 105, 795, 825]);
  assert.equal(nextRun(hm, undefined, T0), Date.UTC(2026, 10, 22, 13, 15));
  assert.equal(nextRun(hm, undefined, Date.UTC(2026, 10, 22, 13, 50)), Date.UTC(2026, 10, 23, 1, 15));
  const minutesOnly = parseSchedule({ scheduled_minute: ['20'] });
  assert.equal(nextRun(minutesOnly, undefined, T0), Date.UTC(2026, 10, 22, 10, 20));
  const t = parseSchedule({ scheduled_time: ['10:17,23:59'] });
  assert.equal(nextRun(t, undefined, T0), Date.UTC(2026, 10, 22, 23, 59));
  assert.throws(() => parseSchedule({ scheduled_time: ['25:00'] }), /HH:MM/);
  assert.throws(() => parseSchedule({ scheduled_minute: ['61'] }), /0\.\.59/);
});

test('vip: held only when a listed address is on this host (never contacted)', () => {
  const addrs = new Set(['127.0.0.1', '::1', '10.1.2.3']);
  assert.equal(holdsVip([], addrs), true);
  assert.equal(holdsVip(['127.0.0.1'], addrs), true);
  assert.equal(holdsVip(['192.0.2.1'], addrs), false);
  assert.equal(holdsVip(['192.0.2.1', '10.1.2.3'], addrs), true);
  assert.equal(holdsVip(['[::1]'], addrs), true);
  assert.ok(localAddresses().has('127.0.0.1'));
  assert.equal(holdsVip(['192.0.2.1']), false);
});

test('listing: remote dirs, notices and keys', () => {
  assert.equal(remoteDirOf('sftp://u@h:22/', 'sent'), 'sent', 'relative to the login directory (sr3 sftp cd)');
  assert.equal(remoteDirOf('sftp://u@h:22/', '/data/x'), '/data/x');
  assert.equal(remoteDirOf('sftp://u@h/base/', 'sent'), '/base/sent');
  assert.equal(remoteDirOf('http://h:8080/pub/', '/abs/x'), '/abs/x');
  const e: RemoteEntry = { name: 'f.txt', size: 12, mtime: T0, isDir: false, mode: 0o644 };
  const n = noticeOfEntry({ baseUrl: 'sftp://u@h/', identity: 'cod,sha512' }, 'sent/a', e, T0);
  assert.equal(n.relPath, 'sent/a/f.txt');
  assert.deepEqual(n.identity, { method: 'cod', value: 'sha512' });
  assert.equal(n.size, 12);
  assert.equal(n.mtime, '20261122T101730.000000000');
  assert.equal(n.mode, '644');
  // v02-style mtime and v03 with trailing zeros give the same key
  assert.equal(seenKey(n), seenKey({ ...n, relPath: '/sent/a/f.txt', mtime: '20261122101730.0' }));
  assert.notEqual(seenKey(n), seenKey({ ...n, size: 13 }));
});

test('seen cache: persisted, refreshed while listed, pruned after ttl', async () => {
  const d = await mkdtemp(join(tmpdir(), 'seen-'));
  try {
    const f = join(d, 'sub/poll_seen_001.cache');
    const c = new SeenCache(f, 100);
    assert.equal(c.checkAndRecord('a', T0), false);
    assert.equal(c.checkAndRecord('a', T0 + 1), true);
    c.checkAndRecord('b', T0);
    await c.save();
    const c2 = new SeenCache(f, 100);
    await c2.load();
    assert.ok(c2.has('a') && c2.has('b'));
    c2.checkAndRecord('a', T0 + 150_000);
    c2.prune(T0 + 150_000);
    assert.ok(c2.has('a'));
    assert.ok(!c2.has('b'));
    await c2.save();
    assert.equal((await readFile(f, 'utf8')).trim().split('\n').length, 1);
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});

/** A remote tree in memory, listed like a Transfer would. */
function fakeRemote(tree: Record<string, RemoteEntry[]>): Transfer {
  return {
    scheme: 'sftp',
    list: async (dir: string) => {
      const l = tree[dir];
      if (!l) throw new Error(`no such dir ${dir}`);
      return l;
    },
  } as unknown as Transfer;
}

test('poller: announces each file once across cycles, new and changed files once, skips old ones', async () => {
  const d = await mkdtemp(join(tmpdir(), 'poller-'));
  try {
    let now = T0;
    const file = (name: string, size = 10, mtime = T0 - 1000): RemoteEntry => ({ name, size, mtime, isDir: false });
    const tree: Record<string, RemoteEntry[]> = {
      'sent': [file('a'), { name: 'sub', size: 0, mtime: T0, isDir: true }, file('old', 1, T0 - 40 * 86400_000), file('x.tmp'), file('.hidden')],
      'sent/sub': [file('b')],
    };
    const mk = () => new Poller({
      pollUrl: 'sftp://u@127.0.0.1/', paths: ['sent'], baseUrl: 'sftp://u@127.0.0.1/', identity: 'cod,sha512',
      schedule: parseSchedule({ scheduled_interval: 10 }), fileAgeMax: 30 * 86400,
      connect: async () => fakeRemote(tree), seen: new SeenCache(join(d, 'seen'), 3600),
      active: () => true, now: () => now, idleMs: 1, logger: Logger.silent(),
    });
    const p = mk();
    await p.start();
    const ac = new AbortController();
    const first = await p.gather(100, ac.signal);
    assert.deepEqual(first.map((i) => i.notice.relPath).sort(), ['sent/a', 'sent/sub/b']);
    assert.deepEqual(await p.gather(100, ac.signal), [], 'not due yet');
    now += 10_000;
    assert.deepEqual(await p.gather(100, ac.signal), [], 'second cycle: nothing new');
    tree['sent']!.push(file('c'));
    tree['sent/sub'] = [file('b', 11)];
    now += 10_000;
    const third = await p.gather(100, ac.signal);
    assert.deepEqual(third.map((i) => i.notice.relPath).sort(), ['sent/c', 'sent/sub/b']);
    await p.stop();
    // a restart remembers what was announced
    const p2 = mk();
    await p2.start();
    assert.deepEqual(await p2.gather(100, ac.signal), []);
    await p2.stop();
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});

test('poller without the vip: writes the .noVip marker, records what the active poll published, announces nothing; no marker once stopped', async () => {
  const d = await mkdtemp(join(tmpdir(), 'vip-'));
  try {
    const seen = new SeenCache(join(d, 'seen'), 3600);
    const published = [noticeOfEntry({ baseUrl: 'sftp://u@h/', identity: 'cod,sha512' }, 'sent', { name: 'a', size: 10, mtime: T0 - 1000, isDir: false })];
    let active = false;
    const p = new Poller({
      pollUrl: 'sftp://u@h/', paths: ['sent'], baseUrl: 'sftp://u@h/', identity: 'cod,sha512',
      schedule: parseSchedule({ scheduled_interval: 10 }), fileAgeMax: 0,
      connect: async () => fakeRemote({ 'sent': [{ name: 'a', size: 10, mtime: T0 - 1000, isDir: false }, { name: 'b', size: 1, mtime: T0, isDir: false }] }),
      seen, active: () => active, noVipFile: join(d, 'poll_x_001.noVip'), idleMs: 1, now: () => T0, logger: Logger.silent(),
      passive: { start: async () => {}, stop: async () => {}, next: async () => published.splice(0) },
    });
    await p.start();
    const ac = new AbortController();
    assert.deepEqual(await p.gather(10, ac.signal), []);
    await stat(join(d, 'poll_x_001.noVip'));
    assert.equal(seen.size, 1);
    active = true; // the vip moved here: only what the other poll did not announce goes out
    const got = await p.gather(10, ac.signal);
    assert.deepEqual(got.map((i) => i.notice.relPath), ['sent/b']);
    await assert.rejects(stat(join(d, 'poll_x_001.noVip')));
    active = false;
    await p.gather(10, ac.signal);
    await stat(join(d, 'poll_x_001.noVip'));
    await p.stop();
    await assert.rejects(stat(join(d, 'poll_x_001.noVip')), 'a stopped poll leaves no marker (sr status would show it waiting for the vip)');
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});

test('poller holding the vip: its vip queue is drained as it polls, and the engine is told when the next listing is due', async () => {
  const d = await mkdtemp(join(tmpdir(), 'vip-active-'));
  try {
    let now = T0;
    const queued = [noticeOfEntry({ baseUrl: 'sftp://u@h/', identity: 'cod,sha512' }, 'sent', { name: 'a', size: 10, mtime: T0 - 1000, isDir: false })];
    const p = new Poller({
      pollUrl: 'sftp://u@h/', paths: ['sent'], baseUrl: 'sftp://u@h/', identity: 'cod,sha512',
      schedule: parseSchedule({ scheduled_interval: 10 }), fileAgeMax: 0,
      connect: async () => fakeRemote({ 'sent': [{ name: 'b', size: 1, mtime: T0, isDir: false }] }),
      seen: new SeenCache(join(d, 'seen'), 3600), active: () => true, idleMs: 1, now: () => now, logger: Logger.silent(),
      passive: { start: async () => {}, stop: async () => {}, next: async () => queued.splice(0) },
    });
    await p.start();
    const ac = new AbortController();
    assert.equal(p.nextWakeMs(), 0, 'first listing due at once');
    assert.deepEqual((await p.gather(10, ac.signal)).map((i) => i.notice.relPath), ['sent/b']);
    assert.equal(queued.length, 0, 'the vip queue was read while active');
    now += 4000;
    assert.equal(p.nextWakeMs(), 6000);
    await p.stop();
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});
