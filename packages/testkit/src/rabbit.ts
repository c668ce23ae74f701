// Test helper for the real RabbitMQ on loopback: a fresh vhost per test file, forced disconnects.
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Management } from '@sarra/broker/management';

/** Where the test broker is; CI (tools/services.sh) runs it at these defaults. */
export const RABBIT = {
  host: process.env.SARRA_TEST_RABBIT_HOST ?? '127.0.0.1',
  port: Number(process.env.SARRA_TEST_RABBIT_PORT ?? 5672),
  mgmtUrl: process.env.SARRA_TEST_RABBIT_MGMT ?? 'http://127.0.0.1:15672',
  user: 'guest',
  password: 'guest',
};

export interface TestVhost {
  /** amqp://guest:guest@127.0.0.1:5672/<vhost, URL-encoded> */
  url: string;
  vhost: string;
  mgmt: Management;
  /** Deletes the vhost (and every queue, exchange and connection in it). */
  cleanup(): Promise<void>;
}

/** A management client for the test broker (guest/guest). */
export function management(): Management {
  return new Management(RABBIT.mgmtUrl, RABBIT.user, RABBIT.password);
}

/**
 * Creates vhost `<prefix>-<random>` (default prefix 'sarra-test') with full permissions for guest.
 * Throws a loud Error naming what is missing if RabbitMQ or its management plugin is not reachable:
 * integration tests must fail, never skip, without a broker.
 */
export async function withVhost(prefix = 'sarra-test'): Promise<TestVhost> {
  const mgmt = management();
  try {
    await mgmt.overview();
  } catch (err) {
    throw new Error(
      `RabbitMQ management API not reachable at ${RABBIT.mgmtUrl} (guest/guest): integration tests need RabbitMQ ` +
        `with the rabbitmq_management plugin on 127.0.0.1:5672/15672. Run tools/services.sh. Cause: ${
          err instanceof Error ? err.message : String(err)
        }`,
      { cause: err },
    );
  }
  const vhost = `${prefix}-${randomBytes(4).toString('hex')}`;
  await mgmt.createVhost(vhost);
  await mgmt.setPermissions(vhost, RABBIT.user, { configure: '.*', write: '.*', read: '.*' });
  const url = `amqp://${RABBIT.user}:${RABBIT.password}@${RABBIT.host}:${RABBIT.port}/${encodeURIComponent(vhost)}`;
  return { url, vhost, mgmt, cleanup: () => mgmt.deleteVhost(vhost) };
}

/**
 * Forces every client connection of `vhost` (all vhosts if omitted) closed, as a broker restart or
 * network cut would; returns how many were closed. Uses the management API so parallel test files in
 * other vhosts are not disturbed. The management API lists new connections after a delay (up to its
 * stats interval), so this first waits up to `waitMs` (default 10 s) until at least `atLeast` (default 1)
 * are listed. Alternative from a shell: `rabbitmqctl close_all_connections "test"` (every vhost) or
 * `rabbitmqctl close_all_connections -p <vhost> "test"`.
 */
export async function closeAllConnections(
  vhost?: string,
  opts: number | { atLeast?: number; waitMs?: number } = {},
): Promise<number> {
  const { atLeast = 1, waitMs = 10_000 } = typeof opts === 'number' ? { waitMs: opts } : opts;
  const mgmt = management();
  const deadline = Date.now() + waitMs;
  let conns = await mgmt.connections(vhost);
  while (conns.length < atLeast && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    conns = await mgmt.connections(vhost);
  }
  await Promise.all(conns.map((c) => mgmt.closeConnection(c.name, 'forced by test')));
  return conns.length;
}

const run = promisify(execFile);

/**
 * Stops and starts the whole RabbitMQ application (`rabbitmqctl stop_app`, `start_app`), as an operator's broker
 * restart does: every connection drops, new ones are refused for `downMs` (default 3 s), durable queues and
 * persistent messages survive. Resolves once the management API answers again. It disturbs every vhost: only
 * for test files that run alone (tools/test.sh runs one file at a time). Needs rabbitmqctl (root, as in CI).
 */
export async function restartBroker(downMs = 3000): Promise<void> {
  await run('rabbitmqctl', ['stop_app'], { timeout: 120_000 });
  await new Promise((r) => setTimeout(r, downMs));
  await run('rabbitmqctl', ['start_app'], { timeout: 120_000 });
  const mgmt = management();
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await mgmt.overview();
      return;
    } catch (err: unknown) {
      if (Date.now() > deadline) throw new Error('RabbitMQ management API not back 60 s after start_app', { cause: err });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
