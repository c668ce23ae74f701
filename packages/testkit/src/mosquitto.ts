// Testkit: MQTT brokers on loopback: the shared Mosquitto (1883) and RabbitMQ MQTT (1884) tools/services.sh runs,
// and a private Mosquitto (own port, own persistence directory) for tests that stop and restart their broker.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectError, freePort, killAndWait, killAtExit, waitForPort } from './child.js';

export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';

/** The MQTT brokers tools/services.sh keeps running: Mosquitto 2 (MQTT 5) and RabbitMQ's MQTT plugin (MQTT 3.1.1). */
export const MQTT_BROKERS = {
  mosquitto: 'mqtt://127.0.0.1:1883',
  rabbitmq: 'mqtt://guest:guest@127.0.0.1:1884',
} as const;

/** Fails loudly when the shared broker at `url` does not answer (run tools/services.sh). */
export async function requireBroker(url: string): Promise<void> {
  const port = Number(new URL(url).port);
  const e = await connectError(port);
  if (e) throw new Error(`no MQTT broker on 127.0.0.1:${port} (${e.message}): run tools/services.sh`);
}

/** A name no other test uses (an exchange, hence a topic root). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export interface MosquittoHandle {
  port: number;
  /** mqtt://127.0.0.1:<port> (anonymous) */
  url: string;
  /** With `tls`: mqtts://127.0.0.1:<tls port> (anonymous), the certificate given. */
  tlsUrl?: string;
  /** Stops the broker (SIGTERM: it writes its persistence file) and starts it again on the same port, sessions kept. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
  /** Stops the broker and removes its directory. */
  cleanup(): Promise<void>;
}

/**
 * Starts a private Mosquitto on a free loopback port, persistence on (sessions and queued messages survive restart());
 * with `tls` (a certificate and key for 127.0.0.1, e.g. the testkit PKI's broker) an mqtts listener on a second port.
 */
export async function startMosquitto(opts: { tls?: { cert: string; key: string } } = {}): Promise<MosquittoHandle> {
  if (!existsSync(MOSQUITTO_BIN)) throw new Error(`${MOSQUITTO_BIN} missing: run tools/services.sh`);
  const dir = await mkdtemp(join(tmpdir(), 'sarra-mosquitto-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  const tlsPort = opts.tls ? await freePort() : 0;
  const tls = opts.tls ? [`listener ${tlsPort} 127.0.0.1`, `certfile ${opts.tls.cert}`, `keyfile ${opts.tls.key}`] : [];
  await writeFile(conf, [
    // run as root, mosquitto would switch to its own user, who cannot write the temp directory: its database is not saved
    `listener ${port} 127.0.0.1`, 'user root', 'allow_anonymous true', 'persistence true', `persistence_location ${dir}/`,
    // a restart mid-flow must not drop queued QoS 1 messages of an offline persistent session
    'max_queued_messages 0', 'log_dest stderr', 'log_type error', 'log_type warning', ...tls, '',
  ].join('\n'));
  let child: ChildProcess | undefined;
  const up = async (): Promise<void> => {
    const c = killAtExit(spawn(MOSQUITTO_BIN, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] }));
    c.stderr?.on('data', () => {});
    child = c;
    await waitForPort(port, 10_000, c, 'mosquitto');
  };
  const stop = async (): Promise<void> => {
    if (child && child.exitCode === null) await killAndWait(child, 'SIGTERM');
    child = undefined;
  };
  await up();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    ...(opts.tls ? { tlsUrl: `mqtts://127.0.0.1:${tlsPort}` } : {}),
    async restart(downMs = 1000) {
      await stop();
      await new Promise((r) => setTimeout(r, downMs));
      await up();
    },
    stop,
    async cleanup() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
