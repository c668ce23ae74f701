// Integration on the shared Mosquitto (MQTT 5; issue 13): watch and poll publish to MQTT; winnow, sender (to sshd) and
// report consume from MQTT; WIS2 over MQTT as sr3 does it, seen by a raw MQTT.js client. One topic root per case.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { MQTT_BROKERS, requireBroker, uniqueName } from '@sarra/testkit/mosquitto';
import { startNginx, type NginxHandle } from '@sarra/testkit/nginx';
import { startSshd, type SshdHandle } from '@sarra/testkit/sshd';
import { decode, encode, nowTimestamp, type Notice } from '@sarra/message';
import { runInstance } from '../src/instance.js';
import { listFiles, logTails, noticesFor, treeSums, waitFor as waitUntil } from './flowkit.js';

const MQ = MQTT_BROKERS.mosquitto;
let home: TempHome;
let sshd: SshdHandle;
let nginx: NginxHandle;
let work: string;

/** Waits for `cond`; on time-out the error carries the tail of every instance log. */
const waitFor = (what: string, cond: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> =>
  waitUntil(what, cond, ms, () => logTails(home.cacheDir));

/** A message as a raw MQTT.js client sees it: topic, payload and the MQTT 5 properties. */
interface Seen { topic: string; body: Buffer; contentType?: string; userProperties?: unknown }

/** A raw MQTT 5 client subscribed to `filter` (QoS 1), keeping every message. */
async function listen(filter: string): Promise<{ got: Seen[]; close(): Promise<void> }> {
  const c = await connectAsync(MQ, { protocolVersion: 5, reconnectPeriod: 0 });
  const got: Seen[] = [];
  c.on('message', (topic, body, packet) => {
    got.push({ topic, body, contentType: packet.properties?.contentType, userProperties: packet.properties?.userProperties });
  });
  await c.subscribeAsync(filter, { qos: 1 });
  return { got, close: () => c.endAsync() };
}

/** Publishes with a raw MQTT 5 client: v03 notices under `<exchange>/<topic>`, or raw bodies on their own topic. */
async function publishRaw(items: { topic: string; body: Buffer | string; contentType?: string }[]): Promise<void> {
  const c = await connectAsync(MQ, { protocolVersion: 5, reconnectPeriod: 0 });
  try {
    for (const it of items) {
      await c.publishAsync(it.topic, it.body, { qos: 1, ...(it.contentType ? { properties: { contentType: it.contentType } } : {}) });
    }
  } finally {
    await c.endAsync();
  }
}

function v03(exchange: string, notices: Notice[]): { topic: string; body: Buffer; contentType: string }[] {
  return notices.map((n) => {
    const w = encode(n, 'v03');
    return { topic: [exchange, ...w.routingKey.split('.')].join('/'), body: w.body, contentType: w.contentType ?? 'application/json' };
  });
}

/** The decoded v03 notice of a message a raw client saw. */
function noticeOf(m: Seen): Notice {
  return decode({ routingKey: '', topic: m.topic, body: m.body, ...(m.contentType ? { contentType: m.contentType } : {}) }).notice;
}

/** Runs one instance of `component/config` until `fn` is done; a consumer is first waited for to have subscribed. */
async function running(component: string, config: string, fn: () => Promise<void>, consumes = true): Promise<void> {
  const ac = new AbortController();
  const run = runInstance({ component, config, instance: 1, foreground: false, env: home.env, signal: ac.signal });
  const log = join(home.cacheDir, 'log', `${component}_${config}_01.log`);
  try {
    if (consumes) await waitFor(`${component}/${config} subscribed`, async () => /subscribed /.test(await readFile(log, 'utf8').catch(() => '')));
    await fn();
  } finally {
    ac.abort();
    assert.equal(await run, 0, await logTails(home.cacheDir));
  }
}

before(async () => {
  await requireBroker(MQ);
  home = await tempHome();
  work = await mkdtemp(join(tmpdir(), 'mqtt-components-'));
  sshd = await startSshd();
  nginx = await startNginx({ root: join(work, 'www') });
  await home.writeConfig('credentials.conf', `${sshd.url}/ ssh_keyfile=${sshd.keyFile},known_hosts=${sshd.knownHosts}\n`);
});

after(async () => {
  await sshd?.cleanup();
  await nginx?.cleanup();
  await home?.cleanup();
  await rm(work, { recursive: true, force: true });
});

test('watch publishes each new file to MQTT under <exchange>/v03/<its directories>, content type application/json', async () => {
  const x = uniqueName('xwatch');
  const dir = join(work, 'watched');
  await mkdir(join(dir, 'a', 'b'), { recursive: true });
  await home.writeConfig('watch/w.conf', [`post_broker ${MQ}`, `post_exchange ${x}`, 'post_baseUrl http://localhost/',
    `post_baseDir ${dir}`, `path ${dir}`, 'sleep 0.2', ''].join('\n'));
  const out = await listen(`${x}/#`);
  let k = 0;
  await running('watch', 'w', async () => {
    // until the watcher is ready a file may go unseen: write one every 300 ms until one is announced
    await waitFor('a file announced', async () => {
      await writeFile(join(dir, 'a', 'b', `f${k++}.txt`), `file ${k}`);
      await new Promise((r) => setTimeout(r, 300));
      return out.got.some((m) => !noticeOf(m).fileOp);
    });
    await writeFile(join(dir, 'a', 'last.txt'), 'the last one');
    await waitFor('the last file', () => out.got.some((m) => noticeOf(m).relPath === 'a/last.txt'));
  }, false);
  await out.close();
  const files = out.got.filter((m) => !noticeOf(m).fileOp);
  for (const m of files) {
    const n = noticeOf(m);
    assert.equal(m.contentType, 'application/json');
    assert.equal(m.topic, [x, 'v03', ...n.relPath.split('/').slice(0, -1)].join('/'), 'the topic carries the directory, not the file name');
    assert.equal(n.identity?.value, createHash('sha512').update(await readFile(join(dir, n.relPath))).digest('base64'));
  }
  assert.ok(files.some((m) => m.topic === `${x}/v03/a/b`));
});

test('poll lists an SFTP directory and publishes each file once to MQTT', async () => {
  const x = uniqueName('xpoll');
  const sub = uniqueName('pub');
  await mkdir(join(sshd.root, sub, 'd'), { recursive: true });
  for (let i = 0; i < 5; i++) await writeFile(join(sshd.root, sub, 'd', `p${i}.dat`), `poll ${i}`);
  await home.writeConfig('poll/p.conf', [`post_broker ${MQ}`, `post_exchange ${x}`, 'scheduled_interval 1', `pollUrl ${sshd.url}/`, `path ${sub}`, ''].join('\n'));
  const out = await listen(`${x}/#`);
  await running('poll', 'p', async () => {
    await waitFor('5 files announced', () => out.got.length >= 5);
    // a later cycle announces nothing already announced: wait for one past the first
    const log = join(home.cacheDir, 'log', 'poll_p_01.log');
    await waitFor('a second poll cycle', async () => /cycle [2-9]/.test(await readFile(log, 'utf8').catch(() => '')));
  }, false);
  await out.close();
  assert.equal(out.got.length, 5);
  const rels = out.got.map((m) => noticeOf(m).relPath).sort();
  assert.deepEqual(rels, [0, 1, 2, 3, 4].map((i) => `${sub}/d/p${i}.dat`));
  for (const m of out.got) assert.equal(m.topic, `${x}/v03/${sub}/d`);
});

test('winnow consumes from MQTT and passes each of two redundant announcements once', async () => {
  const [xin, xout] = [uniqueName('xwin'), uniqueName('xwout')];
  await home.writeConfig('winnow/w.conf', [`broker ${MQ}`, `exchange ${xin}`, 'expire 1m', `post_broker ${MQ}`, `post_exchange ${xout}`, ''].join('\n'));
  const n = (i: number, v = `v${i}`): Notice => ({ pubTime: nowTimestamp(), baseUrl: 'http://up/', relPath: `/w/d${i % 2}/f${i}`, size: i,
    identity: { method: 'sha512', value: Buffer.from(v).toString('base64') } });
  const out = await listen(`${xout}/#`);
  await running('winnow', 'w', async () => {
    const a = Array.from({ length: 10 }, (_, i) => n(i));
    await publishRaw(v03(xin, a));
    await publishRaw(v03(xin, a.map((x) => ({ ...x, pubTime: nowTimestamp() }))));
    // sent after the duplicates: once it is out, every duplicate has been judged
    await publishRaw(v03(xin, [n(3, 'changed')]));
    await waitFor('the changed file', () => out.got.some((m) => noticeOf(m).identity?.value === Buffer.from('changed').toString('base64')));
  });
  await out.close();
  assert.equal(out.got.length, 11, 'ten files once, and the changed one');
  assert.equal(new Set(out.got.slice(0, 10).map((m) => noticeOf(m).relPath)).size, 10);
});

test('sender consumes from MQTT, delivers every file over SFTP, and posts what it sent to MQTT', async () => {
  const [xin, xout] = [uniqueName('xsnd'), uniqueName('xsndout')];
  const src = join(work, 'send-src');
  for (let i = 0; i < 6; i++) {
    await mkdir(join(src, `s${i % 2}`), { recursive: true });
    await writeFile(join(src, `s${i % 2}`, `g${i}.bin`), randomBytes(1000 + i));
  }
  const remote = join(sshd.root, uniqueName('sent'));
  await home.writeConfig('sender/s.conf', [`broker ${MQ}`, `exchange ${xin}`, 'expire 1m', `sendTo ${sshd.url}/`, `baseDir ${src}`,
    'mirror on', `directory ${remote}`, `post_broker ${MQ}`, `post_exchange ${xout}`, `post_baseUrl ${sshd.url}/`, 'accept .*', ''].join('\n'));
  const out = await listen(`${xout}/#`);
  await running('sender', 's', async () => {
    await publishRaw(v03(xin, await noticesFor(src, 'file:/')));
    await waitFor('6 sent and posted', async () => out.got.length >= 6 && (await listFiles(remote).catch(() => [])).length >= 6);
  });
  await out.close();
  assert.deepEqual(await treeSums(remote), await treeSums(src), 'the remote tree equals the source');
  assert.equal(out.got.length, 6);
  for (const m of out.got) assert.ok(noticeOf(m).baseUrl.startsWith(sshd.url), m.topic);
});

test('report consumes report messages from MQTT and forwards them, code and message kept', async () => {
  const [xin, xout] = [uniqueName('xrep'), uniqueName('xrepout')];
  await home.writeConfig('report/r.conf', [`broker ${MQ}`, `exchange ${xin}`, 'expire 1m', `post_broker ${MQ}`, `post_exchange ${xout}`, ''].join('\n'));
  const reports: Notice[] = [201, 404].map((code, i) => ({ pubTime: nowTimestamp(), baseUrl: 'http://up/', relPath: `/r/f${i}`, size: 1,
    report: { code, message: code === 201 ? 'Download successful' : 'not found', timeCompleted: nowTimestamp() } }));
  const out = await listen(`${xout}/#`);
  await running('report', 'r', async () => {
    await publishRaw(v03(xin, reports));
    await waitFor('2 reports forwarded', () => out.got.length >= 2);
  });
  await out.close();
  assert.deepEqual(out.got.map((m) => noticeOf(m).report?.code).sort(), [201, 404]);
  assert.equal(noticeOf(out.got.find((m) => noticeOf(m).report?.code === 404)!).report?.message, 'not found');
});

test('WIS2 over MQTT: a shovel posts geo+json WNMs on origin/a/wis2/<centre>/...; a subscriber takes them (content type geo+json) as wis into topic/data_id, a Feature typed application/json as malformed', async () => {
  const centre = `ca-t${randomBytes(3).toString('hex')}`;
  const topic = `origin/a/wis2/${centre}/data/core/weather`;
  const xin = uniqueName('xwisin');
  const www = join(work, 'www', centre);
  for (let i = 0; i < 4; i++) {
    await mkdir(join(www, `d${i % 2}`), { recursive: true });
    await writeFile(join(www, `d${i % 2}`, `SMCA0${i}.bufr4`), `BUFR ${i} `.repeat(50 + i));
  }
  const dl = join(work, 'wis-dl');
  await home.writeConfig('shovel/wis.conf', [`broker ${MQ}`, `exchange ${xin}`, 'expire 1m', `post_broker ${MQ}`, 'post_format wis',
    `post_topicPrefix ${topic.replaceAll('/', '.')}`, ''].join('\n'));
  await home.writeConfig('subscribe/wis.conf', [`broker ${MQ}`, 'exchange origin', `topicPrefix a.wis2.${centre}.data.core.weather`, 'subtopic #',
    'expire 1m', `directory ${dl}`, 'mirror on', 'logReject on', 'accept .*', ''].join('\n'));
  const raw = await listen(`${topic}/#`);
  const notices = (await noticesFor(www, `${nginx.url}${centre}`)).map((n) => ({ ...n, relPath: n.relPath.slice(1) }));
  const stop = new AbortController();
  const sub = runInstance({ component: 'subscribe', config: 'wis', instance: 1, foreground: false, env: home.env, signal: stop.signal });
  try {
    await waitFor('subscribe/wis subscribed', async () => /subscribed /.test(await readFile(join(home.cacheDir, 'log', 'subscribe_wis_01.log'), 'utf8').catch(() => '')));
    await running('shovel', 'wis', async () => {
      await publishRaw(v03(xin, notices));
      await waitFor('4 WNMs', () => raw.got.length >= 4);
    });
    // a WNM from elsewhere on the same topic, and a Feature whose content type says JSON: only the first is wis
    const other = 'BUFR from elsewhere';
    await writeFile(join(www, 'd0', 'other.bufr4'), other);
    const wnm = JSON.parse(raw.got[0]!.body.toString()) as { properties: Record<string, unknown>; id: string; links: Record<string, unknown>[] };
    delete wnm.properties.integrity;
    wnm.properties.data_id = 'd0/other.bufr4';
    wnm.id = 'b5a6b2a4-0000-4000-8000-000000000001';
    wnm.links = [{ rel: 'canonical', href: `${nginx.url}${centre}/d0/other.bufr4`, length: other.length }];
    await publishRaw([
      { topic, body: JSON.stringify(wnm), contentType: 'application/geo+json' },
      { topic, body: JSON.stringify({ ...wnm, properties: { ...wnm.properties, data_id: 'd1/json.bufr4' } }), contentType: 'application/json' },
      // the topic is hostile too: its levels become the relPath, and '..' ones must not climb out of the directory
      { topic: `${topic}/${'../'.repeat(8)}escaped`, body: JSON.stringify(wnm), contentType: 'application/geo+json' },
    ]);
    await waitFor('5 files downloaded', async () => (await listFiles(dl).catch(() => [])).length >= 5);
    await waitFor('the JSON-typed Feature refused', async () => /malformed message/.test(await readFile(join(home.cacheDir, 'log', 'subscribe_wis_01.log'), 'utf8')));
    await waitFor('the climbing topic rejected', async () => /rejected: 422 /.test(await readFile(join(home.cacheDir, 'log', 'subscribe_wis_01.log'), 'utf8')));
  } finally {
    stop.abort();
    await raw.close();
  }
  assert.equal(await sub, 0);
  const shovelled = raw.got.slice(0, 4);
  for (const m of shovelled) {
    assert.equal(m.topic, topic, 'the WIS2 topic from the root, no exchange level, no directories');
    assert.equal(m.contentType, 'application/geo+json');
    assert.equal(m.userProperties, undefined, 'no MQTT user properties');
    const b = JSON.parse(m.body.toString()) as { type: string; properties: { pubtime: string; data_id: string }; links: { rel: string; href: string; length: number }[] };
    assert.equal(b.type, 'Feature');
    assert.match(b.properties.pubtime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.equal(b.links[0]!.rel, 'canonical');
    const file = join(www, b.properties.data_id);
    assert.equal(b.links[0]!.length, (await readFile(file)).length, 'links[0].length is the size');
    assert.equal(b.links[0]!.href, `${nginx.url}${centre}/${b.properties.data_id}`);
  }
  await assert.rejects(readFile(join(work, 'escaped', 'd0', 'other.bufr4')), 'nothing written outside the directory');
  // relPath = the whole MQTT topic + '/' + data_id
  const want = new Map([...(await treeSums(www))].map(([rel, sum]) => [join(topic, rel), sum]));
  assert.deepEqual(await treeSums(dl), want);
});
