// Benchmark: a shovel instance relaying 10,000 v03 notices MQTT -> MQTT on a private Mosquitto, beside a bare MQTT.js relay
// loop (QoS 1 in and out, same broker, same run); target: the shovel at >= 80 % of the bare loop.
import { loadavg } from 'node:os';
import mqtt from 'mqtt';
import { declareMqttSessions } from '@sarra/broker';
import { startMosquitto, type MosquittoHandle } from '@sarra/testkit/mosquitto';
import { tempHome } from '@sarra/testkit/home';
import { runInstance } from '../packages/components/src/instance.js';

const N = Number(process.env.MQTT_BENCH_N ?? 10_000);
const TOPIC = 'v03/20200105/WXO-DD/bulletins/alphanumeric/20200105/SA/CWAO/12';
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function body(i: number): Buffer {
  return Buffer.from(JSON.stringify({
    pubTime: '20200105T120000.123456789',
    baseUrl: 'https://dd.weather.gc.ca',
    relPath: `20200105/WXO-DD/bulletins/alphanumeric/20200105/SA/CWAO/12/SACN${String(i % 100).padStart(2, '0')}_CWAO_051200___${i}`,
    size: 1234 + (i % 97),
    identity: { method: 'sha512', value: 'z8U1Bv0rDmyZ0bK4JpW5sWQwQ6yq9G0X3k7mY1y2xg==' },
    mtime: '20200105T115959.5',
  }));
}

/** Publishes N notices to `<exchange>/<TOPIC>` with QoS 1 (they wait in the relay's persistent session). */
async function preload(url: string, exchange: string): Promise<void> {
  const c = await mqtt.connectAsync(url, { protocolVersion: 5 });
  for (let i = 0; i < N; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, N - i) }, (_, k) => c.publishAsync(`${exchange}/${TOPIC}`, body(i + k), { qos: 1, properties: { contentType: 'application/json' } })));
  }
  await c.endAsync();
}

/** Counts what arrives on `<exchange>/#`; resolves with the ms from `t0` when N arrived. */
async function sink(url: string, exchange: string): Promise<{ done: Promise<number>; close: () => Promise<void>; start: (t0: number) => void }> {
  const c = await mqtt.connectAsync(url, { protocolVersion: 5 });
  await c.subscribeAsync(`${exchange}/#`, { qos: 1 });
  let n = 0, t0 = 0;
  let resolve!: (ms: number) => void;
  const done = new Promise<number>((r) => (resolve = r));
  c.on('message', () => { if (++n === N) resolve(performance.now() - t0); });
  return { done, close: () => c.endAsync(), start: (t) => (t0 = t) };
}

/** The bare loop: one MQTT.js subscriber (persistent session, QoS 1, receive maximum 1000) re-publishing each message QoS 1. */
async function bareRelay(m: MosquittoHandle): Promise<number> {
  const opts = { protocolVersion: 5 as const, clean: false, clientId: 'bare-relay', properties: { sessionExpiryInterval: 600, receiveMaximum: 1000 } };
  const setup = await mqtt.connectAsync(m.url, opts);
  await setup.subscribeAsync(`bin/#`, { qos: 1 });
  await setup.endAsync();
  await preload(m.url, 'bin');
  const s = await sink(m.url, 'bout');
  const t0 = performance.now();
  s.start(t0);
  const relay = mqtt.connect(m.url, opts);
  relay.on('message', (topic, payload, packet) => {
    relay.publish(`bout/${topic.slice(4)}`, payload, { qos: 1, properties: { contentType: packet.properties?.contentType ?? 'application/json' } });
  });
  const ms = await s.done;
  await relay.endAsync();
  await s.close();
  return N / (ms / 1000);
}

async function shovel(m: MosquittoHandle, extra: string[]): Promise<number> {
  const home = await tempHome();
  try {
    const queue = `q_anonymous.shovel.bench${extra.length}`;
    await home.writeConfig('shovel/bench.conf', [`broker ${m.url}`, 'exchange xbin', 'topicPrefix v03', 'subtopic #', `queueName ${queue}`,
      'expire 10m', `post_broker ${m.url}`, 'post_exchange xbout', 'logLevel warning', ...extra, ''].join('\n'));
    // the shovel's session, as sr declare makes it, so the pre-load waits in it
    await declareMqttSessions({ url: m.url, queue: { name: queue, expires: 600_000 }, bindings: [{ exchange: 'xbin', key: 'v03.#' }], prefetch: 1 }, 1);
    await preload(m.url, 'xbin');
    const s = await sink(m.url, 'xbout');
    const ctl = new AbortController();
    const t0 = performance.now();
    s.start(t0);
    const inst = runInstance({ component: 'shovel', config: 'bench', instance: 1, foreground: false, env: home.env, signal: ctl.signal });
    const timeout = new Promise<never>((_, rej) => setTimeout(() => rej(new Error('shovel stalled')), 120_000).unref());
    const ms = await Promise.race([s.done, timeout]);
    ctl.abort();
    await inst;
    await s.close();
    return N / (ms / 1000);
  } finally {
    await home.cleanup();
  }
}

const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`machine load average at start: ${load()}`);
const m = await startMosquitto();
try {
  const bare = await bareRelay(m);
  console.log(`bare MQTT.js relay: ${fmt(bare)} msg/s [${fmt(N)} QoS 1 in and out, Mosquitto ${m.url}]`);
  const tuned = await shovel(m, ['batch 500', 'prefetch 1000']);
  console.log(`MQTT shovel (batch 500, prefetch 1000): ${fmt(tuned)} notices/s -> ${((tuned / bare) * 100).toFixed(0)} % of the bare relay (target >= 80 %)`);
  const defaults = await shovel(m, []);
  console.log(`MQTT shovel (sr3 defaults): ${fmt(defaults)} notices/s -> ${((defaults / bare) * 100).toFixed(0)} % of the bare relay (start-up included)`);
} finally {
  await m.cleanup();
}
console.log(`machine load average at end: ${load()}`);
