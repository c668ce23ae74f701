// python-dirq interop: what the real python3-dirq writes we read, and what we write it reads, lock and removes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { QueueSimple } from '../src/dirq/simple.js';
import { Queue, SSM_REJECT_SCHEMA, SSM_SCHEMA } from '../src/dirq/queue.js';
import { python } from './python.js';

const BODIES = ['APEL-summary-job-message: v0.2\nSite: A\n%%\n', 'UTF-8 é ✓ 日本\r\ntrailing spaces   \n\n', 'x'.repeat(70_000)];

async function tmp(): Promise<string> {
  return mkdtemp(`${tmpdir()}/ssm-dirq-`);
}

test('QueueSimple: python-dirq adds, we list, lock, read byte-exact and remove; python then counts 0', async () => {
  const dir = await tmp();
  try {
    python(`import sys,json
from dirq.QueueSimple import QueueSimple
q = QueueSimple(sys.argv[1])
for b in json.loads(sys.argv[2]): q.add(b.encode('utf-8'))`, dir, JSON.stringify(BODIES));
    const q = await new QueueSimple(dir).init();
    const names = await q.names();
    assert.equal(names.length, 3);
    for (const n of names) assert.match(n, /^[0-9a-f]{8}\/[0-9a-f]{14}$/);
    const got: string[] = [];
    for (const n of names) {
      assert.equal(await q.lock(n), true);
      assert.equal(await q.lock(n), false, 'a second lock fails');
      got.push((await q.get(n)).toString('utf8'));
      await q.remove(n);
    }
    assert.deepEqual(got, BODIES);
    assert.equal(python(`import sys\nfrom dirq.QueueSimple import QueueSimple\nprint(QueueSimple(sys.argv[1]).count())`, dir).trim(), '0');
  } finally { await rm(dir, { recursive: true, force: true }); }
});

test('QueueSimple: we add, python-dirq iterates, locks, gets the same bytes, removes; its lock blocks ours', async () => {
  const dir = await tmp();
  try {
    const q = await new QueueSimple(dir).init();
    const names: string[] = [];
    for (const b of BODIES) names.push(await q.add(Buffer.from(b)));
    const entries = await readdir(`${dir}/${names[0]!.slice(0, 8)}`);
    assert.ok(entries.every((e) => /^[0-9a-f]{14}$/.test(e)), `no temporary left: ${entries.join(' ')}`);
    // python locks the first one: we must see it as locked
    python(`import sys\nfrom dirq.QueueSimple import QueueSimple\nq=QueueSimple(sys.argv[1])\nassert q.lock(sys.argv[2])`, dir, names[0]!);
    assert.equal(await q.lock(names[0]!), false);
    await q.unlock(names[0]!);
    const out = python(`import sys,json
from dirq.QueueSimple import QueueSimple
q = QueueSimple(sys.argv[1]); res = []
for n in q:
    assert q.lock(n)
    res.append([n, q.get(n).decode('utf-8')])
    q.remove(n)
q.purge()
print(json.dumps(res))`, dir);
    assert.deepEqual(JSON.parse(out), names.map((n, i) => [n, BODIES[i]]));
  } finally { await rm(dir, { recursive: true, force: true }); }
});

test('Queue with SSM schema: python-dirq adds to incoming and reject, we read every field byte-exact', async () => {
  const dir = await tmp();
  try {
    python(`import sys,json
from dirq.queue import Queue
inq = Queue(sys.argv[1] + '/incoming', schema={'body': 'string', 'signer': 'string', 'empaid': 'string?'})
rej = Queue(sys.argv[1] + '/reject', schema={'body': 'string', 'signer': 'string?', 'empaid': 'string?', 'error': 'string'})
for i, b in enumerate(json.loads(sys.argv[2])): inq.add({'body': b, 'signer': '/C=UK/CN=h%d' % i, 'empaid': '6000/%d' % i})
rej.add({'body': 'bad', 'error': 'Signer not in valid DNs list.'})`, dir, JSON.stringify(BODIES));
    const inq = await new Queue(`${dir}/incoming`, SSM_SCHEMA).init();
    const names = await inq.names();
    assert.equal(names.length, 3);
    assert.ok(names.every((n) => n.startsWith('00000000/')));
    for (const [i, n] of names.entries()) {
      assert.equal(await inq.lock(n), true);
      const e = await inq.get(n);
      assert.equal(e.body!.toString('utf8'), BODIES[i]);
      assert.equal(e.signer!.toString(), `/C=UK/CN=h${i}`);
      assert.equal(e.empaid!.toString(), `6000/${i}`);
      await inq.remove(n);
    }
    const rej = await new Queue(`${dir}/reject`, SSM_REJECT_SCHEMA).init();
    const [r] = await rej.names();
    assert.equal(await rej.lock(r!), true);
    const e = await rej.get(r!);
    assert.equal(e.error!.toString(), 'Signer not in valid DNs list.');
    assert.equal(e.signer, undefined);
    assert.deepEqual((await readdir(`${dir}/incoming`)).sort(), ['00000000', 'obsolete', 'temporary']);
    assert.deepEqual(await readdir(`${dir}/incoming/obsolete`), []);
  } finally { await rm(dir, { recursive: true, force: true }); }
});

test('Queue with SSM schema: we add (maxelts rolls the directory), python-dirq reads, dequeues and purges', async () => {
  const dir = await tmp();
  try {
    const q = await new Queue(`${dir}/incoming`, SSM_SCHEMA, 2).init();
    const names: string[] = [];
    for (const [i, b] of BODIES.entries()) names.push(await q.add({ body: b, signer: `/C=CA/O=Grid/CN=s${i}`, empaid: `e${i}` }));
    assert.deepEqual(names.map((n) => n.slice(0, 8)), ['00000000', '00000000', '00000001']);
    assert.equal(await q.lock(names[2]!), true);
    const out = python(`import sys,json
from dirq.queue import Queue
q = Queue(sys.argv[1], schema={'body': 'string', 'signer': 'string', 'empaid': 'string?'})
res = {'count': q.count(), 'locked': q.lock(sys.argv[2]), 'items': []}
for n in q:
    if not q.lock(n): continue
    d = q.get(n); res['items'].append([n, d['body'], d['signer'], d['empaid']]); q.remove(n)
q.purge()
print(json.dumps(res))`, `${dir}/incoming`, names[2]!);
    const res = JSON.parse(out) as { count: number; locked: boolean; items: string[][] };
    assert.equal(res.count, 3);
    assert.equal(res.locked, false, 'our lock holds against python');
    assert.deepEqual(res.items, [0, 1].map((i) => [names[i], BODIES[i], `/C=CA/O=Grid/CN=s${i}`, `e${i}`]));
    assert.deepEqual(await q.names(), [names[2]]);
  } finally { await rm(dir, { recursive: true, force: true }); }
});

test('QueueSimple: a lock left without its element (a removal cut short by a crash) is debris, dropped; live locks stay', async () => {
  const dir = await mkdtemp(`${tmpdir()}/dirq-orphan-`);
  try {
    const q = new QueueSimple(dir);
    const [a, b] = [await q.add(Buffer.from('a')), await q.add(Buffer.from('b'))];
    assert.ok(await q.lock(a));
    assert.ok(await q.lock(b));
    const { unlink } = await import('node:fs/promises');
    await unlink(`${dir}/${a}`); // killed between remove()'s two unlinks
    assert.equal(await q.dropOrphanLocks(), 1);
    assert.deepEqual(await q.names(), [b]);
    assert.ok(await q.isLocked(b), 'the lock of a present element is kept');
    const files = (await readdir(`${dir}/${a.split('/')[0]}`)).sort();
    assert.deepEqual(files, [b.split('/')[1], `${b.split('/')[1]}.lck`].sort());
  } finally { await rm(dir, { recursive: true, force: true }); }
});
