// Helpers of the consuming-component integration tests: sample notices, publishing, tree sums, metrics, waiting.
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import amqp from 'amqplib';
import type { Management } from '@sarra/broker/management';
import { decode, encode, timestampFromMs, nowTimestamp, type Decoded, type Notice } from '@sarra/message';

export { SAMPLE } from '@sarra/testkit/sample';

/** Every regular file under `dir` (relative paths, sorted). */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(relative(dir, p));
    }
  };
  await walk(dir);
  return out.sort();
}

/** M(dir) of ACCEPTANCE.md: relative path -> sha512 (hex) of every file under `dir`. */
export async function treeSums(dir: string, filter: (rel: string) => boolean = () => true): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for (const rel of await listFiles(dir)) {
    if (!filter(rel)) continue;
    m.set(rel, createHash('sha512').update(await readFile(join(dir, rel))).digest('hex'));
  }
  return m;
}

/** v03 notices (sha512, size, mtime) for every file under `root` that `filter` keeps, announced at `baseUrl`. */
export async function noticesFor(root: string, baseUrl: string, filter: (rel: string) => boolean = () => true): Promise<Notice[]> {
  const out: Notice[] = [];
  for (const rel of await listFiles(root)) {
    if (!filter(rel)) continue;
    const p = join(root, rel);
    const [data, st] = [await readFile(p), await stat(p)];
    out.push({
      pubTime: nowTimestamp(),
      baseUrl,
      relPath: `/${rel}`,
      identity: { method: 'sha512', value: createHash('sha512').update(data).digest('base64') },
      size: data.length,
      mtime: timestampFromMs(st.mtimeMs),
      atime: timestampFromMs(st.atimeMs),
      mode: '644',
    });
  }
  return out;
}

/** Publishes notices (v03 by default) or raw bodies to `exchange` with confirms; declares the exchange. */
export async function publish(url: string, exchange: string, items: (Notice | { raw: Buffer; routingKey: string; contentType?: string })[]): Promise<void> {
  const conn = await amqp.connect(url);
  conn.on('error', () => {});
  try {
    const ch = await conn.createConfirmChannel();
    await ch.assertExchange(exchange, 'topic', { durable: true });
    for (const it of items) {
      if (Buffer.isBuffer(it.raw)) {
        const r = it as { raw: Buffer; routingKey: string; contentType?: string };
        ch.publish(exchange, r.routingKey, r.raw, { persistent: true, contentType: r.contentType });
      } else {
        const w = encode(it as Notice, 'v03');
        ch.publish(exchange, w.routingKey, w.body, { persistent: true, contentType: w.contentType, headers: w.headers });
      }
    }
    await ch.waitForConfirms();
  } finally {
    await conn.close();
  }
}

/** What a collector gathered: every message published on its exchange, decoded, in arrival order. */
export interface Collector {
  /** the notices */ got: Notice[];
  /** the whole decoded messages (topic, format) */ decoded: Decoded[];
  /** Waits until no message arrived for `quietMs` (at most `maxMs`). */
  settle(quietMs?: number, maxMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A private queue bound to `exchange` (declared first) that collects every message published there until close().
 * `creates`: the exchange does not exist yet and a publisher is waiting for it: it is declared with an alternate
 * exchange already feeding the queue, so a message published between its declaration and the binding is not
 * dropped as unroutable.
 */
export async function collector(url: string, exchange: string, opts: { creates?: boolean } = {}): Promise<Collector> {
  const conn = await amqp.connect(url);
  conn.on('error', () => {});
  const ch = await conn.createChannel();
  const q = await ch.assertQueue('', { exclusive: true });
  if (opts.creates) {
    const ae = `${exchange}.unrouted`;
    await ch.assertExchange(ae, 'fanout', { durable: false, autoDelete: true });
    await ch.bindQueue(q.queue, ae, '');
  }
  await ch.assertExchange(exchange, 'topic', { durable: true, ...(opts.creates ? { alternateExchange: `${exchange}.unrouted` } : {}) });
  await ch.bindQueue(q.queue, exchange, '#');
  const got: Notice[] = [];
  const decoded: Decoded[] = [];
  await ch.consume(q.queue, (m) => {
    if (!m) return;
    const d = decode({ routingKey: m.fields.routingKey, body: m.content, contentType: m.properties.contentType, headers: m.properties.headers });
    decoded.push(d);
    got.push(d.notice);
  }, { noAck: true });
  return {
    got, decoded,
    async settle(quietMs = 1000, maxMs = 30_000) {
      const end = Date.now() + maxMs;
      let n = -1;
      while (Date.now() < end && n !== got.length) {
        n = got.length;
        await new Promise((r) => setTimeout(r, quietMs));
      }
    },
    close: () => conn.close(),
  };
}

/** Declares topic exchanges (durable). */
export async function declareExchanges(url: string, names: string[]): Promise<void> {
  const conn = await amqp.connect(url);
  conn.on('error', () => {});
  try {
    const ch = await conn.createChannel();
    for (const n of names) await ch.assertExchange(n, 'topic', { durable: true });
  } finally {
    await conn.close();
  }
}

/** True once the queue of each named configuration ('component.config') has a consumer: the queue is declared and
 * bound before it is consumed. A count of the vhost's queues would be met by an earlier test's. */
export async function consumed(mgmt: Management, vhost: string, configs: string[]): Promise<boolean> {
  const qs = await mgmt.queues(vhost);
  return configs.every((c) => qs.some((q) => q.name.includes(`.${c}.`) && q.consumers > 0));
}

/** The metrics file of one instance, or undefined while not written yet. */
export async function readMetrics(cacheDir: string, component: string, config: string, n = 1): Promise<Record<string, Record<string, unknown>> | undefined> {
  try {
    return JSON.parse(await readFile(join(cacheDir, 'metrics', `${component}_${config}_${String(n).padStart(2, '0')}.json`), 'utf8')) as Record<string, Record<string, unknown>>;
  } catch {
    return undefined;
  }
}

/** Polls `check` every 200 ms until it returns true; throws with `what` after `ms`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms = 60_000, explain?: () => Promise<string>): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${explain ? `\n${await explain()}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The last `n` lines of every instance log under `cacheDir` (what a failing wait prints). */
export async function logTails(cacheDir: string, n = 12): Promise<string> {
  const dir = join(cacheDir, 'log');
  let out = '';
  for (const f of await readdir(dir).catch(() => [] as string[])) {
    const lines = (await readFile(join(dir, f), 'utf8').catch(() => '')).trim().split('\n');
    out += `== ${f}\n${lines.slice(-n).join('\n')}\n`;
  }
  return out;
}

/** A total counter from a metrics snapshot (0 when missing). */
export function total(m: Record<string, Record<string, unknown>> | undefined, key: string): number {
  const v = m?.totals?.[key];
  return typeof v === 'number' ? v : 0;
}

/** Every path under `dir` with what it is (link, dir, or the sha512 of its bytes): what "unchanged" is judged by. */
export async function snapshot(dir: string, skip: (rel: string) => boolean = () => false): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = relative(dir, p);
      if (skip(rel)) continue;
      const st = await lstat(p);
      if (st.isSymbolicLink()) m.set(rel, 'link');
      else if (st.isDirectory()) { m.set(rel, 'dir'); await walk(p); }
      else m.set(rel, createHash('sha512').update(await readFile(p)).digest('base64'));
    }
  };
  await walk(dir);
  return m;
}
