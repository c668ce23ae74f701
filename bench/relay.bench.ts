// Benchmark: raw broker relay (consume -> publish with confirms -> ack), the ceiling of shovel/winnow throughput.
import { Consumer, Publisher, declareTopology, openConnection } from '@sarra/broker';
import { withVhost } from '@sarra/testkit/rabbit';
import { connect, type ConsumeMessage } from 'amqplib';
import { loadavg } from 'node:os';

const N = Number(process.env.RELAY_BENCH_N ?? 20_000);
const BATCH = Number(process.env.RELAY_BENCH_BATCH ?? 1000);
/** prefetch above the batch size, so the next batch is already here while this one waits for its confirms */
const PIPELINE = Number(process.env.RELAY_BENCH_PIPELINE ?? 4);
const PREFETCH = Number(process.env.RELAY_BENCH_PREFETCH ?? BATCH * (PIPELINE + 1));
const TARGET = 10_000;
/** RELAY_BENCH_TRANSIENT=1: delivery mode 1 (not persistent), to see what disk persistence costs the broker */
const PERSISTENT = process.env.RELAY_BENCH_TRANSIENT !== '1';

/** A v03 notice of about 300 bytes, as sr3 would post it. */
function body(i: number): Buffer {
  const rel = `/20200105/WXO-DD/bulletins/alphanumeric/20200105/SA/CWAO/12/SACN${String(i % 100).padStart(2, '0')}_CWAO_051200___${i}`;
  return Buffer.from(
    JSON.stringify({
      pubTime: '20200105T120000.123456789',
      baseUrl: 'https://dd.weather.gc.ca',
      relPath: rel,
      size: 1234 + (i % 97),
      identity: { method: 'sha512', value: 'z8U1Bv0rDmyZ0bK4JpW5sWQwQ6yq9G0X3k7mY1y2xg==' },
      mtime: '20200105T115959.5',
    }),
  );
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** The same pipelined relay written directly on amqplib (no @sarra/broker): q_bench_sink -> xs_bench_in. */
async function amqplibRelay(url: string): Promise<number> {
  // amqplib's own connect: none of @sarra/broker's write coalescing
  const conn = await connect(url);
  try {
    const cch = await conn.createChannel();
    const pch = await conn.createConfirmChannel();
    await cch.prefetch(PREFETCH);
    const buf: ConsumeMessage[] = [];
    let wake: (() => void) | undefined;
    await cch.consume('q_bench_sink', (m) => {
      if (!m) return;
      buf.push(m);
      wake?.();
    });
    let relayed = 0;
    const inFlight = new Set<Promise<void>>();
    const t0 = performance.now();
    while (relayed < N) {
      if (buf.length === 0) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      const batch = buf.splice(0, BATCH);
      const confirms = batch.map(
        (m) =>
          new Promise<void>((res, rej) =>
            pch.publish('xs_bench_in', m.fields.routingKey, m.content, { ...m.properties, persistent: PERSISTENT }, (err: unknown) =>
              err ? rej(err instanceof Error ? err : new Error(String(err))) : res(),
            ),
          ),
      );
      const last = batch[batch.length - 1] as ConsumeMessage;
      const p: Promise<void> = Promise.all(confirms).then(() => {
        cch.ack(last, true);
        inFlight.delete(p);
      });
      inFlight.add(p);
      relayed += batch.length;
      if (inFlight.size >= PIPELINE) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    return relayed / ((performance.now() - t0) / 1000);
  } finally {
    await conn.close();
  }
}

async function main(): Promise<void> {
  const v = await withVhost('sarra-bench');
  try {
    await declareTopology({
      url: v.url,
      exchanges: ['xs_bench_in', 'xs_bench_out'],
      queue: { name: 'q_bench_in' },
      bindings: [{ exchange: 'xs_bench_in', key: 'v03.#' }],
    });
    await declareTopology({ url: v.url, exchanges: [], queue: { name: 'q_bench_sink' }, bindings: [{ exchange: 'xs_bench_out', key: 'v03.#' }] });

    // pre-load, confirmed in batches
    const loader = new Publisher({ url: v.url });
    await loader.start();
    const size = body(0).length;
    let t0 = performance.now();
    for (let i = 0; i < N; i++) {
      loader.publish('xs_bench_in', 'v03.20200105.WXO-DD.bulletins', body(i), { contentType: 'application/json', persistent: PERSISTENT });
      if ((i + 1) % 5000 === 0) await loader.flush();
    }
    await loader.flush();
    const loadRate = N / ((performance.now() - t0) / 1000);
    await loader.close();

    const input = new Consumer({ url: v.url, queue: { name: 'q_bench_in' }, bindings: [], bind: false, prefetch: PREFETCH });
    const output = new Publisher({ url: v.url });
    await Promise.all([input.start(), output.start()]);
    // Pipelined: up to PIPELINE batches await their confirms at once (each flush() covers only the
    // messages published since the previous one); a batch is acked as soon as its own confirms arrive.
    let relayed = 0;
    let tNext = 0;
    let tPub = 0;
    const inFlight = new Set<Promise<void>>();
    const cpu0 = process.cpuUsage();
    t0 = performance.now();
    while (relayed < N) {
      let t = performance.now();
      const batch = await input.next(BATCH, 1000);
      tNext += performance.now() - t;
      if (batch.length === 0) throw new Error(`relay stalled at ${relayed} of ${N}`);
      t = performance.now();
      for (const d of batch) {
        output.publish('xs_bench_out', d.routingKey, d.body, { contentType: d.contentType, headers: d.headers, persistent: PERSISTENT });
      }
      tPub += performance.now() - t;
      const p: Promise<void> = output.flush().then(() => {
        for (const d of batch) input.ack(d);
        inFlight.delete(p);
      });
      inFlight.add(p);
      relayed += batch.length;
      if (inFlight.size >= PIPELINE) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    const secs = (performance.now() - t0) / 1000;
    const rate = relayed / secs;
    const cpu = process.cpuUsage(cpu0);
    const cpuPerMsg = (cpu.user + cpu.system) / relayed;
    await Promise.all([input.close(), output.close()]);

    const conn = await openConnection({ url: v.url });
    const inSink = (await (await conn.createChannel()).checkQueue('q_bench_sink')).messageCount;
    await conn.close();
    if (inSink !== N) throw new Error(`sink holds ${inSink}, expected ${N}`);
    const baseline = await amqplibRelay(v.url);

    console.log(`raw relay: ${fmt(rate)} msg/s (target >= ${fmt(TARGET)}) [${fmt(N)} msgs of ${size} B, batch ${BATCH} x ${PIPELINE} in flight, prefetch ${PREFETCH}, ${PERSISTENT ? 'persistent' : 'TRANSIENT'}, ${secs.toFixed(2)} s]`);
    const ms = (x: number): string => `${(x / 1000).toFixed(2)} s`;
    console.log(`  time waiting in next() ${ms(tNext)}, in publish() ${ms(tPub)}, rest waiting for confirms; client CPU ${cpuPerMsg.toFixed(0)} µs/msg (${fmt(1e6 / cpuPerMsg)} msg/s per core)`);
    console.log(`publish with confirms (pre-load): ${fmt(loadRate)} msg/s`);
    console.log(`machine load average: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    console.log(`baseline, bare amqplib doing the same loop (sink back to source): ${fmt(baseline)} msg/s`);
  } finally {
    await v.cleanup();
  }
}

await main();
