// Transfer slots: bounded across passes, one transfer per path with the newest notice next, stop hands back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransferSlots, newerThan, pathKey, type Outcome } from '../src/slots.js';
import type { WorkItem } from '../src/types.js';

function item(relPath: string, pubTime = '20240101T000000', extra: Partial<WorkItem> = {}): WorkItem {
  return { notice: { pubTime, baseUrl: 'http://x/', relPath }, ...extra };
}

/** A run function whose transfers finish when the test says so. */
function manual(): { run: (it: WorkItem, stop: AbortSignal) => Promise<Outcome>; started: WorkItem[]; finish(it: WorkItem, o?: Outcome): void } {
  const pending = new Map<WorkItem, (o: Outcome) => void>();
  const started: WorkItem[] = [];
  return {
    started,
    run: (it, stop) => new Promise<Outcome>((resolve) => {
      started.push(it);
      pending.set(it, resolve);
      stop.addEventListener('abort', () => resolve('aborted'), { once: true });
    }),
    finish(it, o = 'ok') { pending.get(it)!(o); },
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('pathKey is the placed destination when known, else the relPath; newerThan compares pubTime', () => {
  assert.equal(pathKey({ ...item('/a/b'), newDir: '/d/a', newFile: 'b' }), '/d/a/b');
  assert.equal(pathKey(item('/a/b')), '/a/b');
  assert.ok(newerThan(item('/a', '20240101T000001'), item('/a', '20240101T000000')));
  assert.ok(newerThan(item('/a', '20240101T000000.0001'), item('/a', '20240101T000000.00001')) === true);
  assert.ok(!newerThan(item('/a'), item('/a')));
});

test('at most `limit` run; a running one carried past a wait still counts, and its outcome is taken later', async () => {
  const m = manual();
  const s = new TransferSlots({ limit: 2, key: pathKey, run: m.run });
  const slow = item('/slow');
  const others = [item('/a'), item('/b'), item('/c')];
  assert.deepEqual(s.admit([slow, ...others]), []);
  assert.equal(m.started.length, 2);
  m.finish(others[0]!);
  await tick();
  assert.equal(m.started.length, 3, 'a freed slot takes the next waiting item');
  m.finish(others[1]!);
  await tick();
  assert.equal(m.started.length, 4);
  m.finish(others[2]!);
  await s.waitFor([slow, ...others], { maxMs: 50 });
  assert.deepEqual(s.take().map((d) => d.item.notice.relPath), ['/a', '/b', '/c'], 'the slow one is carried over');
  assert.equal(s.size, 1);
  assert.ok(s.isLive(slow));
  // the next "pass" admits two more: only one slot is free while the slow one runs
  const next = [item('/d'), item('/e')];
  s.admit(next);
  assert.equal(m.started.length, 5);
  assert.equal(s.waiting(), 1);
  m.finish(slow, 'retry');
  await tick();
  assert.deepEqual(s.take().map((d) => [d.item.notice.relPath, d.outcome]), [['/slow', 'retry']]);
  assert.equal(m.started.length, 6);
});

test('same path: within a batch the newest wins; against a running one, older notices are superseded and the newest waits', async () => {
  const m = manual();
  const s = new TransferSlots({ limit: 4, key: pathKey, run: m.run });
  const batch = Array.from({ length: 50 }, (_, i) => item('/p', `20240101T0000${String(i).padStart(2, '0')}`));
  const superseded = s.admit([...batch].reverse());
  assert.equal(superseded.length, 49);
  assert.deepEqual(m.started, [batch[49]], 'only the newest of the batch runs');
  // a later batch: an older notice, then two newer ones
  const older = item('/p', '20240101T000010');
  const newer1 = item('/p', '20240101T000100');
  const newer2 = item('/p', '20240101T000200');
  assert.deepEqual(s.admit([older]), [older]);
  assert.deepEqual(s.admit([newer1]), []);
  assert.deepEqual(s.admit([newer2]), [newer1], 'the waiting one is replaced by a newer one');
  assert.equal(m.started.length, 1, 'never two at once for one path');
  m.finish(batch[49]!, 'retry');
  await tick();
  const done = s.take();
  assert.equal(done.length, 1);
  assert.equal(done[0]!.successor, newer2, 'the finished one says who followed it');
  assert.deepEqual(m.started.at(-1), newer2);
  m.finish(newer2);
  await s.waitFor([newer2], { maxMs: 100 });
  assert.equal(s.size, 0);
});

test('a path waiting for a slot is replaced by a newer notice instead of running twice', async () => {
  const m = manual();
  const s = new TransferSlots({ limit: 1, key: pathKey, run: m.run });
  const blocker = item('/other');
  const first = item('/p', '20240101T000001');
  const second = item('/p', '20240101T000002');
  s.admit([blocker, first]);
  assert.deepEqual(s.admit([second]), [first]);
  m.finish(blocker);
  await tick();
  assert.deepEqual(m.started, [blocker, second]);
});

test('stop: waiting items come back as aborted at once; running ones get the grace, then their signal aborts', async () => {
  const m = manual();
  const s = new TransferSlots({ limit: 1, key: pathKey, run: m.run });
  const a = item('/a'), b = item('/b');
  const pNew = item('/a', '20240101T000009');
  s.admit([a, b]);
  s.admit([pNew]);
  const t0 = Date.now();
  await s.stop(50);
  assert.ok(Date.now() - t0 >= 40, 'the running one had its grace');
  const out = new Map(s.take().map((d) => [d.item, d.outcome]));
  assert.equal(out.get(a), 'aborted');
  assert.equal(out.get(b), 'aborted');
  assert.equal(out.get(pNew), 'aborted');
  assert.equal(s.size, 0);
});

test('stop: a transfer finishing within the grace keeps its outcome', async () => {
  const m = manual();
  const s = new TransferSlots({ limit: 1, key: pathKey, run: m.run });
  const a = item('/a');
  s.admit([a]);
  setTimeout(() => m.finish(a, 'ok'), 10);
  await s.stop(2000);
  assert.deepEqual(s.take().map((d) => d.outcome), ['ok']);
});

test('waitAny wakes at the next settle', async () => {
  const m = manual();
  const s = new TransferSlots({ limit: 1, key: pathKey, run: m.run });
  const a = item('/a');
  s.admit([a]);
  setTimeout(() => m.finish(a), 20);
  const t0 = Date.now();
  await s.waitAny(5000);
  assert.ok(Date.now() - t0 < 1000);
  assert.ok(s.hasSettled());
});

test('waitFor ends early once nothing has settled for quietMs: only slow ones are left', async () => {
  const m = manual();
  const s = new TransferSlots({ limit: 4, key: pathKey, run: m.run });
  const slow = item('/slow'), fast = item('/fast');
  s.admit([slow, fast]);
  setTimeout(() => m.finish(fast), 30);
  const t0 = Date.now();
  await s.waitFor([slow, fast], { maxMs: 5000, quietMs: 100 });
  const took = Date.now() - t0;
  assert.ok(took >= 120 && took < 1000, `quiet 100 ms after the last settle (${took} ms)`);
  assert.deepEqual(s.take().map((d) => d.item), [fast]);
  assert.ok(s.isLive(slow));
});
