// Benchmark (issue 17 item 5): the duplicate cache (flow/src/nodupe.ts) at 10^4, 10^5 and 10^6 entries (heap bytes
// per entry, lookups per second, time to load its file at start) beside a bare Map of the same keys; and a retry
// queue (flow/src/diskqueue.ts) of 100,000 items (start-up time with it on disk, heap, drain rate) beside reading
// and JSON-parsing the same file. In-process, no server. Never fails on timing.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { optionsFromText } from '@sarra/config';
import { DiskQueue, NoDupe, type WorkItem } from '@sarra/flow';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = (): number => { gc(); gc(); return process.memoryUsage().heapUsed; };
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const QUEUE_N = Number(process.env.STATE_BENCH_QUEUE ?? 100_000);

const item = (i: number): WorkItem => ({
  notice: {
    pubTime: '20250105T120000.123456', baseUrl: 'https://dd.weather.gc.ca/',
    relPath: `/20250105/WXO-DD/bulletins/alphanumeric/20250105/SA/CWAO/12/SACN${String(i % 100).padStart(2, '0')}_CWAO_051200___${i}`,
    size: 1234 + (i % 97), identity: { method: 'sha512', value: Buffer.from(`content ${i}`).toString('base64').padEnd(88, 'A') },
  },
});

/** Writes the cache file of `items` (the writer is unreachable afterwards: its heap is not counted below). */
async function writeCache(file: string, items: WorkItem[]): Promise<void> {
  const writer = new NoDupe(optionsFromText('winnow', 'broker amqp://u@h/\nnodupe_ttl 86400'), file);
  for (const it of items) writer.record(it);
  await writer.save();
}

console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const dir = await mkdtemp(join(tmpdir(), 'sarra-state-bench-'));
try {
  const o = optionsFromText('winnow', 'broker amqp://u@h/\nnodupe_ttl 86400');
  for (const n of [10_000, 100_000, 1_000_000]) {
    const file = join(dir, `nodupe_${n}.cache`);
    const items = Array.from({ length: n }, (_, i) => item(i));
    // write the cache as a running instance does (record after work), then start a new one from the file
    await writeCache(file, items);
    const bytes = (await stat(file)).size;
    // baseline: a bare Map of the same key strings (made here, as a load makes them), filled and read in the same run
    const ck = (it: WorkItem): string => `${NoDupe.key(it.notice)}\n${it.notice.relPath.slice(1)}`;
    const b0 = heap();
    const bare = new Map<string, number>();
    for (const it of items) bare.set(ck(it), 1);
    const bareBytes = (heap() - b0) / n;
    let hits = 0;
    const t2 = performance.now();
    for (const it of items) if (bare.get(ck(it)) !== undefined) hits--;
    const bareLookups = n / ((performance.now() - t2) / 1000);
    const h0 = heap();
    const t0 = performance.now();
    const cache = new NoDupe(o, file);
    await cache.load();
    const loadMs = performance.now() - t0;
    const perEntry = (heap() - h0) / cache.size;
    const t1 = performance.now();
    for (const it of items) if (cache.isDuplicate(it)) hits++;
    const lookups = n / ((performance.now() - t1) / 1000);
    const t3 = performance.now();
    (await readFile(file, 'utf8')).split('\n');
    const readMs = performance.now() - t3;
    console.log(`nodupe ${fmt(n).padStart(9)} entries: ${fmt(perEntry)} B/entry heap (bare Map of the keys ${fmt(bareBytes)}; key+path ~${fmt(ck(items[0]!).length)} chars), ` +
      `${fmt(lookups)} lookups/s (bare Map.get ${fmt(bareLookups)}), load ${fmt(loadMs)} ms for ${fmt(bytes / 1024)} KiB (read+split alone ${fmt(readMs)} ms)` +
      `${hits === 0 ? '' : ' [lookup mismatch!]'}`);
  }
  console.log('targets: none set by the issue for nodupe; the figures size nodupe_ttl (entries = notices/s x ttl)');

  // retry queue of QUEUE_N items
  const qfile = join(dir, 'diskqueue_work_retry_01');
  const q = new DiskQueue(qfile, 0);
  await q.open();
  const tp = performance.now();
  for (let i = 0; i < QUEUE_N; i += 1000) await q.put(Array.from({ length: Math.min(1000, QUEUE_N - i) }, (_, j) => item(i + j)));
  const putRate = QUEUE_N / ((performance.now() - tp) / 1000);
  await q.close();
  const qbytes = (await stat(qfile)).size;
  const h0 = heap();
  const t0 = performance.now();
  const q2 = new DiskQueue(qfile, 0);
  await q2.open();
  const openMs = performance.now() - t0;
  const qheap = heap() - h0;
  const t1 = performance.now();
  let drained = 0;
  for (;;) {
    const got = await q2.get(100);
    if (got.length === 0) break;
    drained += got.length;
  }
  await q2.commit();
  const drainRate = drained / ((performance.now() - t1) / 1000);
  await q2.close();
  const t2 = performance.now();
  let parsed = 0;
  for (const line of (await readFile(qfile, 'utf8')).split('\n')) if (line.startsWith('{"id"')) { JSON.parse(line); parsed++; }
  const baseMs = performance.now() - t2;
  console.log(`retry queue ${fmt(QUEUE_N)} items (${fmt(qbytes / 1024 / 1024)} MiB on disk): start-up ${fmt(openMs)} ms (read + JSON.parse of every put line alone ${fmt(baseMs)} ms, ${fmt(parsed)} lines), ` +
    `${(qheap / 1024 / 1024).toFixed(1)} MiB heap (${fmt(qheap / QUEUE_N)} B/item), drain ${fmt(drainRate)} items/s in gets of 100 (${fmt(drained)} drained), put ${fmt(putRate)} items/s in batches of 1,000`);
  console.log('targets: none set by the issue for the retry queue; drain well above the flow rate (shovel target 10,000/s)');
} finally {
  await rm(dir, { recursive: true, force: true });
}
