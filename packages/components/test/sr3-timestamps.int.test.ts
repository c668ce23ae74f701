// Integration (real RabbitMQ + nginx): notices with sr3's 9, 11 and 12 digit timestamp fractions (v02 and v03, with and
// without T) go through a sarra posting v03 and one posting v02: all downloaded and re-announced, none malformed,
// every timestamp unchanged downstream (only the T inserted or dropped by the format change), file times applied.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { startNginx, type NginxHandle } from '@sarra/testkit/nginx';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { msFromTimestamp } from '@sarra/message';
import { runInstance } from '../src/instance.js';
import { declareExchanges, logTails, readMetrics, total, waitFor } from './flowkit.js';

/** Fractions as sr3 writes them: 9 significant digits, so 11 and 12 digits after leading zeros. */
const FRACTIONS: Record<number, string[]> = {
  9: ['.743590832', '.927582502', '.066069841'],
  11: ['.00693535805', '.01234567891', '.09876543219'],
  12: ['.000411987305', '.000123456789', '.000987654321'],
};
type Form = 'v03' | 'v03-noT' | 'v02';
const FORMS: Form[] = ['v03', 'v03-noT', 'v02'];

interface Case {
  rel: string;
  form: Form;
  digits: number;
  /** as written on the wire: pubTime, mtime, atime */
  times: [string, string, string];
  data: Buffer;
}

interface Got {
  routingKey: string;
  body: string;
  headers: Record<string, unknown>;
}

let v: TestVhost;
let home: TempHome;
let work: string;
let origin: NginxHandle;
const cases: Case[] = [];

/** `YYYYMMDD[T]HHMMSS` of `ms` (UTC) with `frac` appended. */
function stamp(ms: number, frac: string, withT: boolean): string {
  const s = new Date(ms).toISOString().slice(0, 19).replace(/[-:]/g, '');
  return (withT ? s : s.replace('T', '')) + frac;
}
const withT = (ts: string): string => (ts[8] === 'T' ? ts : ts.slice(0, 8) + 'T' + ts.slice(8));
const noT = (ts: string): string => ts.replace('T', '');

before(async () => {
  v = await withVhost('sarra-ts-fraction');
  home = await tempHome();
  work = await mkdtemp(join(tmpdir(), 'sarra-ts-fraction-'));
  await mkdir(join(work, 'src', 'ts'), { recursive: true });
  const now = Date.now();
  for (const form of FORMS) {
    for (const [digits, [fp, fm, fa]] of Object.entries(FRACTIONS)) {
      const rel = `ts/${form}_${digits}.dat`;
      const data = Buffer.from(`${rel} ${'x'.repeat(Number(digits) * 37)}\n`);
      await writeFile(join(work, 'src', rel), data);
      const t = form === 'v03';
      cases.push({ rel, form, digits: Number(digits), data, times: [stamp(now, fp!, t), stamp(now - 120_000, fm!, t), stamp(now - 60_000, fa!, t)] });
    }
  }
  origin = await startNginx({ root: join(work, 'src') });
  await home.writeConfig('credentials.conf', `${v.url}\n`);
  const broker = `amqp://guest@127.0.0.1:5672/${v.vhost}`;
  for (const out of ['v03', 'v02']) {
    await home.writeConfig(`sarra/to${out}.conf`, [
      // sr3 posters of both formats feed one exchange: one binding per topic prefix
      `broker ${broker}`, 'exchange xsrc', 'topicPrefix v02.post', 'subtopic #', 'topicPrefix v03', 'subtopic #', `directory ${join(work, `pump_${out}`)}`, 'mirror on',
      `post_broker ${broker}`, `post_exchange xto${out}`, `post_topicPrefix ${out === 'v02' ? 'v02.post' : 'v03'}`,
      `post_baseUrl http://pump.example/${out}/`, `post_baseDir ${join(work, `pump_${out}`)}`, 'logLevel info', '',
    ].join('\n'));
  }
  await declareExchanges(v.url, ['xsrc', 'xtov03', 'xtov02']);
});

after(async () => {
  await origin?.cleanup();
  await v?.cleanup();
  await home?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The wire message of a case, written the way sr3 writes that format. */
function wire(c: Case): { routingKey: string; body: Buffer; contentType: string; headers?: Record<string, unknown> } {
  const [pubTime, mtime, atime] = c.times;
  const identity = { method: 'sha512', value: createHash('sha512').update(c.data).digest('base64') };
  if (c.form === 'v02') {
    return {
      routingKey: 'v02.post.ts', contentType: 'text/plain', body: Buffer.from(`${pubTime} ${origin.url} ${c.rel}`),
      headers: { atime, mode: '644', mtime, parts: `1,${c.data.length},1,0,0`, source: 'sr3', sum: `s,${Buffer.from(identity.value, 'base64').toString('hex')}` },
    };
  }
  const body = `{"pubTime": "${pubTime}", "relPath": "${c.rel}", "baseUrl": "${origin.url}", "source": "sr3", "mode": "644", ` +
    `"size": ${c.data.length}, "mtime": "${mtime}", "atime": "${atime}", "identity": {"method": "sha512", "value": "${identity.value}"}}`;
  return { routingKey: 'v03.ts', contentType: 'application/json', body: Buffer.from(body) };
}

/** Every message published on `exchange` from now on, raw. */
async function rawCollector(exchange: string): Promise<{ got: Got[]; close(): Promise<void> }> {
  const conn = await amqp.connect(v.url);
  conn.on('error', () => {});
  const ch = await conn.createChannel();
  const q = await ch.assertQueue('', { exclusive: true });
  await ch.bindQueue(q.queue, exchange, '#');
  const got: Got[] = [];
  await ch.consume(q.queue, (m) => {
    if (m) got.push({ routingKey: m.fields.routingKey, body: m.content.toString('utf8'), headers: (m.properties.headers ?? {}) as Record<string, unknown> });
  }, { noAck: true });
  return { got, close: () => conn.close() };
}

test('9, 11 and 12 fraction digits, v02 and v03: every file delivered, none malformed, timestamps unchanged downstream', { timeout: 120_000 }, async () => {
  const to03 = await rawCollector('xtov03');
  const to02 = await rawCollector('xtov02');
  const ctl = new AbortController();
  const runs = ['tov03', 'tov02'].map((config) => runInstance({ component: 'sarra', config, instance: 1, foreground: false, env: home.env, signal: ctl.signal }));
  try {
    await waitFor('both sarra queues consumed', async () => (await v.mgmt.queues(v.vhost)).filter((q) => q.name.includes('.sarra.') && q.consumers > 0).length === 2, 30_000);
    const conn = await amqp.connect(v.url);
    conn.on('error', () => {});
    try {
      const ch = await conn.createConfirmChannel();
      for (const c of cases) {
        const w = wire(c);
        ch.publish('xsrc', w.routingKey, w.body, { persistent: true, contentType: w.contentType, headers: w.headers });
      }
      await ch.waitForConfirms();
    } finally {
      await conn.close();
    }
    await waitFor(`${cases.length} notices re-announced by each sarra`, () => to03.got.length >= cases.length && to02.got.length >= cases.length,
      60_000, () => logTails(home.cacheDir));
  } finally {
    ctl.abort();
    for (const r of runs) assert.equal(await r, 0);
    await to03.close();
    await to02.close();
  }

  for (const out of ['v03', 'v02']) {
    const m = await readMetrics(home.cacheDir, 'sarra', `to${out}`);
    assert.equal(total(m, 'received'), cases.length, out);
    assert.equal(total(m, 'malformed'), 0, `${out}: none malformed`);
    assert.equal(total(m, 'transferredFiles'), cases.length, out);
    assert.equal(total(m, 'posted'), cases.length, out);
  }
  assert.equal(to03.got.length, cases.length);
  assert.equal(to02.got.length, cases.length);

  for (const c of cases) {
    const [pubTime, mtime, atime] = c.times;
    const what = `${c.form}, ${c.digits} digits`;
    // delivered, with the notice's mtime applied to the file (timeCopy) to the microsecond
    for (const out of ['v03', 'v02']) {
      const file = join(work, `pump_${out}`, c.rel);
      assert.deepEqual(await readFile(file), c.data, `${what}: ${file}`);
      const st = await stat(file);
      assert.ok(Math.abs(st.mtimeMs - msFromTimestamp(mtime)) < 1e-3, `${what}: file mtime ${st.mtimeMs} vs ${mtime}`);
    }

    // v03 out: a v03 notice's times are the received bytes, T or not; a v02 one's get their T and nothing else
    const j = to03.got.find((g) => g.body.includes(`"relPath": "${c.rel}"`));
    assert.ok(j, `${what}: re-announced as v03`);
    const want03 = c.form === 'v02' ? c.times.map(withT) : c.times;
    for (const [k, ts] of [['pubTime', want03[0]], ['mtime', want03[1]], ['atime', want03[2]]] as const) {
      assert.ok(j.body.includes(`"${k}": "${ts}"`), `${what}: v03 ${k} should be ${ts} in ${j.body}`);
    }

    // v02 out: a v02 notice's times are the received bytes; a v03 one's lose their T and nothing else
    const w = to02.got.find((g) => g.body.endsWith(` ${c.rel}`));
    assert.ok(w, `${what}: re-announced as v02`);
    assert.equal(w.body, `${noT(pubTime)} http://pump.example/v02/ ${c.rel}`, `${what}: v02 body`);
    assert.equal(String(w.headers.mtime), noT(mtime), `${what}: v02 mtime`);
    assert.equal(String(w.headers.atime), noT(atime), `${what}: v02 atime`);
  }
  const logs = await logTails(home.cacheDir, 1000);
  assert.ok(!/malformed/i.test(logs), logs);
});
