// MQTT session faults a real broker does not produce on demand, on a fake MQTT server on a loopback port: when the
// session falls back to MQTT 3.1.1, how it backs off and what it logs while a reconnect is refused.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@sarra/common';
import { MqttSession, type MqttSessionOptions } from '../src/mqtt-session.js';

/** What the fake server does with the n-th connection (0-based), given the protocol level of its CONNECT (4 or 5). */
type Action = 'close' | { connack: number; thenClose?: boolean };

interface FakeMqtt {
  url: string;
  /** The protocol level of each CONNECT received, in order. */
  levels: number[];
  close(): Promise<void>;
}

/** A server that reads each connection's CONNECT and answers as `script` says; it ignores every later packet. */
async function fakeMqtt(t: TestContext, script: (n: number, level: number) => Action): Promise<FakeMqtt> {
  const levels: number[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    let buf = Buffer.alloc(0);
    let done = false;
    s.on('data', (d: Buffer) => {
      if (done) return;
      buf = Buffer.concat([buf, d]);
      // fixed header (type 1, remaining length varint), then protocol name 00 04 'MQTT' and the level byte
      let i = 1;
      while (i < buf.length && (buf[i]! & 0x80) !== 0) i++;
      if (buf.length < i + 8) return;
      done = true;
      const level = buf[i + 7]!;
      const n = levels.push(level) - 1;
      const a = script(n, level);
      if (a === 'close') {
        s.end();
        return;
      }
      s.write(Buffer.from(level === 5 ? [0x20, 3, 0, a.connack, 0] : [0x20, 2, 0, a.connack]));
      if (a.thenClose) setImmediate(() => s.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const fake = {
    url: `mqtt://u:p@127.0.0.1:${port}`,
    levels,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
  t.after(() => fake.close());
  return fake;
}

/** A session through `fake` with a fast back-off and a debug logger writing to a temp file. */
async function session(t: TestContext, fake: FakeMqtt, extra: Partial<MqttSessionOptions> = {}): Promise<{ s: MqttSession; log(): Promise<string> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sarra-mqtt-session-'));
  const file = join(dir, 'log');
  const logger = Logger.create('mqtt', { file, level: 'debug' });
  const s = new MqttSession({ url: fake.url, clientId: 'c1', clean: true, logger, backoff: { base: 0.02, max: 0.16 }, ...extra }, { connected: () => {}, lost: () => {} });
  t.after(async () => {
    await s.close();
    await logger.close();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    s,
    log: async () => {
      for (let i = 0; i < 50; i++) {
        const text = await readFile(file, 'utf8').catch(() => '');
        if (text) return text;
        await new Promise((r) => setTimeout(r, 20));
      }
      return '';
    },
  };
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), `not within 5 s: ${what}`);
}

test('connections closed before CONNACK whatever the version (a broker restarting) do not make the session give up MQTT 5', async (t) => {
  const fake = await fakeMqtt(t, (n) => (n < 2 ? 'close' : { connack: 0 }));
  const { s } = await session(t, fake);
  await s.start();
  assert.equal(s.protocolVersion, 5);
  // the v5 CONNECT closed, the 3.1.1 probe closed too: MQTT 5 again
  assert.deepEqual(fake.levels, [5, 4, 5]);
});

test('a broker that closes every MQTT 5 CONNECT and answers 3.1.1 (RabbitMQ before 3.13) is spoken to in 3.1.1', async (t) => {
  const fake = await fakeMqtt(t, (_n, level) => (level === 5 ? 'close' : { connack: 0 }));
  const { s } = await session(t, fake);
  await s.start();
  assert.equal(s.protocolVersion, 4);
  assert.deepEqual(fake.levels, [5, 4]);
});

test('a CONNACK refusing MQTT 5 (132 unsupported protocol version) makes the session use 3.1.1 at once', async (t) => {
  const fake = await fakeMqtt(t, (_n, level) => ({ connack: level === 5 ? 132 : 0 }));
  const { s } = await session(t, fake);
  await s.start();
  assert.equal(s.protocolVersion, 4);
  assert.deepEqual(fake.levels, [5, 4]);
});

test('the broker address is parsed once: the options changed after construction do not move the session', async (t) => {
  const fake = await fakeMqtt(t, () => ({ connack: 0 }));
  const opts: MqttSessionOptions = { url: fake.url, clientId: 'c1', clean: true };
  const s = new MqttSession(opts, { connected: () => {}, lost: () => {} });
  t.after(() => s.close());
  opts.url = 'mqtt://u:p@127.0.0.1:1';
  await s.start();
  assert.equal(s.connected, true);
  assert.match(s.label, new RegExp(`127\\.0\\.0\\.1:${new URL(fake.url).port} `));
});

test('a login refused on every reconnect is logged once as an error, retried with a growing jittered back-off, until accepted', async (t) => {
  // connection 0 accepted then cut; 1 to 5 refused (135 not authorized); 6 accepted
  const fake = await fakeMqtt(t, (n) => (n === 0 ? { connack: 0, thenClose: true } : n <= 5 ? { connack: 135 } : { connack: 0 }));
  const { s, log } = await session(t, fake);
  await s.start();
  await until('reconnected after five refusals', () => s.generation === 2 && s.connected);
  assert.equal(fake.levels.length, 7);
  assert.equal(s.stats.disconnects, 1);
  const lines = (await log()).split('\n');
  const refused = lines.filter((l) => /refused the login of user 'u'/.test(l));
  assert.equal(refused.length, 5, lines.join('\n'));
  assert.equal(refused.filter((l) => l.includes('[ERROR]')).length, 1, 'one error line for one reason');
  assert.equal(refused.filter((l) => l.includes('[DEBUG]')).length, 4, 'the same reason again at debug');
  assert.equal(lines.filter((l) => /\[WARNING\] .*connection lost; reconnecting$/.test(l)).length, 1, 'the loss logged once');
  // the back-off: attempt k waits a time in [cap/2, cap], cap = min(0.16, 0.02 * 2^k) s
  const delays = lines.map((l) => /reconnecting in ([\d.]+) s/.exec(l)?.[1]).filter((d) => d !== undefined).map(Number);
  assert.equal(delays.length, 6);
  delays.forEach((d, k) => {
    const cap = Math.min(0.16, 0.02 * 2 ** k);
    assert.ok(d >= cap / 2 - 0.001 && d <= cap + 0.001, `delay ${k} = ${d} s, not in [${cap / 2}, ${cap}]`);
  });
  assert.ok(delays.some((d, k) => d < Math.min(0.16, 0.02 * 2 ** k) - 0.001), `jittered below the cap: ${delays.join(', ')}`);
});
