// Integration: declare/cleanup of exchanges, queues and bindings on the real RabbitMQ, checked via the management API.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'amqplib';
import { Logger, TransientError } from '@sarra/common';
import { Consumer, cleanupTopology, declareTopology } from '@sarra/broker';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';

let v: TestVhost;
before(async () => {
  v = await withVhost();
});
after(async () => {
  await v?.cleanup();
});

const queue = { name: 'q_guest.subscribe.test.abc', expires: 300_000, messageTtl: 60_000 };
const bindings = [
  { exchange: 'xs_guest', key: 'v03.WXO-DD.#' },
  { exchange: 'xpublic', key: 'v03.#' },
];

test('declareTopology twice without error; exchanges, queue arguments and bindings visible', async () => {
  const spec = { url: v.url, exchanges: ['xs_guest', 'xpublic'], queue, bindings };
  await declareTopology(spec);
  await declareTopology(spec);

  const xs = await v.mgmt.exchanges(v.vhost);
  for (const name of ['xs_guest', 'xpublic']) {
    const x = xs.find((e) => e.name === name);
    assert.ok(x, `exchange ${name} exists`);
    assert.equal(x.type, 'topic');
    assert.equal(x.durable, true);
  }
  const q = await v.mgmt.queue(v.vhost, queue.name);
  assert.ok(q, 'queue exists');
  assert.equal(q.durable, true);
  assert.equal(q.auto_delete, false);
  assert.equal(q.arguments['x-expires'], 300_000);
  assert.equal(q.arguments['x-message-ttl'], 60_000);

  const bs = (await v.mgmt.bindings(v.vhost)).filter((b) => b.destination === queue.name && b.source !== '');
  assert.deepEqual(
    bs.map((b) => `${b.source} ${b.routing_key}`).sort(),
    ['xpublic v03.#', 'xs_guest v03.WXO-DD.#'],
    'one binding per (exchange, key), not duplicated by the second declare',
  );
});

test('x-queue-type quorum is passed through', async () => {
  await declareTopology({ url: v.url, exchanges: [], queue: { name: 'q_guest.quorum', type: 'quorum' } });
  const q = await v.mgmt.queue(v.vhost, 'q_guest.quorum');
  assert.equal(q?.arguments['x-queue-type'], 'quorum');
  await cleanupTopology({ url: v.url, queue: 'q_guest.quorum' });
});

test('a queue that exists with other arguments is kept (warning), not a failure or a reconnect loop', async () => {
  const warnings: string[] = [];
  const logger = Logger.silent();
  logger.warning = (m: string) => void warnings.push(m);
  await declareTopology({ url: v.url, exchanges: [], queue: { ...queue, expires: 600_000 }, logger });
  assert.ok(warnings.some((w) => w.includes('exists with other arguments')), warnings.join('\n'));
  const q = await v.mgmt.queue(v.vhost, queue.name);
  assert.equal(q?.arguments['x-expires'], 300_000, 'the existing queue is untouched');

  const c = new Consumer({ url: v.url, queue: { ...queue, expires: 600_000 }, bindings, prefetch: 5, logger });
  await c.start();
  assert.equal(c.connected, true);
  assert.equal(await c.queueDepth(), 0);
  await c.close();
});

test('cleanupTopology deletes the queue and the exchanges, and may run twice', async () => {
  await cleanupTopology({ url: v.url, queue: queue.name, exchanges: ['xs_guest', 'xpublic'] });
  await cleanupTopology({ url: v.url, queue: queue.name, exchanges: ['xs_guest', 'xpublic'] });
  assert.equal(await v.mgmt.queue(v.vhost, queue.name), undefined);
  const names = (await v.mgmt.exchanges(v.vhost)).map((e) => e.name);
  assert.ok(!names.includes('xs_guest') && !names.includes('xpublic'), names.join(' '));
});

test('declareTopology reports an unreachable broker at once as TransientError, password hidden', async () => {
  const url = v.url.replace('guest:guest@', 'guest:sekrit@').replace(':5672/', ':1/');
  await assert.rejects(
    declareTopology({ url, exchanges: ['x'] }),
    (err: unknown) => err instanceof TransientError && !err.message.includes('sekrit') && err.message.includes('127.0.0.1'),
  );
});

test('connection name and 30 s heartbeat are visible to the broker', async () => {
  const c = new Consumer({
    url: v.url,
    queue: { name: 'q_guest.hb' },
    bindings: [],
    prefetch: 1,
    connectionName: 'hb-probe',
  });
  await c.start();
  try {
    let conn: { timeout?: number; client_properties?: { connection_name?: string } } | undefined;
    for (let i = 0; i < 50 && !conn; i++) {
      conn = (await v.mgmt.connections(v.vhost)).find((x) => x.client_properties?.connection_name === 'hb-probe');
      if (!conn) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(conn, 'connection listed under its name');
    assert.equal(conn.timeout, 30);
  } finally {
    await c.close();
  }
});

test('a vhost with / and space in its name: URL-decoded for AMQP, URL-encoded for the management API', async (t) => {
  const odd = await withVhost('sarra test/odd');
  t.after(() => odd.cleanup());
  assert.match(odd.url, /\/sarra%20test%2Fodd-[0-9a-f]+$/);
  await declareTopology({ url: odd.url, exchanges: ['xs_odd'], queue: { name: 'q_odd' }, bindings: [{ exchange: 'xs_odd', key: '#' }] });
  assert.ok(await odd.mgmt.queue(odd.vhost, 'q_odd'), 'queue created in the vhost named in the URL');
  assert.equal(await v.mgmt.queue(v.vhost, 'q_odd'), undefined);
  assert.ok((await odd.mgmt.queues(odd.vhost)).some((q) => q.name === 'q_odd' && q.vhost === odd.vhost));
});

test('an exchange that exists with other properties (non-durable, fanout) is used as is, with a warning', async (t) => {
  const conn = await connect(v.url);
  t.after(() => conn.close());
  const ch = await conn.createChannel();
  await ch.assertExchange('xs_transient', 'fanout', { durable: false });
  const warnings: string[] = [];
  const logger = Logger.silent();
  logger.warning = (m: string) => void warnings.push(m);
  await declareTopology({ url: v.url, exchanges: ['xs_transient'], queue: { name: 'q_tr' }, bindings: [{ exchange: 'xs_transient', key: '#' }], logger });
  assert.ok(warnings.some((w) => w.includes('xs_transient exists with other properties')), warnings.join('\n'));
  assert.ok((await v.mgmt.bindings(v.vhost)).some((b) => b.source === 'xs_transient' && b.destination === 'q_tr'), 'bound all the same');
});

test('a subscriber that may not declare exchanges (sr3 subscriber role) still consumes from an existing one', async (t) => {
  const user = `sub-${v.vhost.slice(-8)}`;
  await v.mgmt.putUser(user, 'subpw', '');
  t.after(() => v.mgmt.deleteUser(user));
  await v.mgmt.setPermissions(v.vhost, user, { configure: `^q_${user}.*`, write: `^q_${user}.*`, read: `^q_${user}.*|^x.*public$` });
  await declareTopology({ url: v.url, exchanges: ['xpublic'] });
  const url = v.url.replace('guest:guest@', `${user}:subpw@`);
  const warnings: string[] = [];
  const logger = Logger.silent();
  logger.warning = (m: string) => void warnings.push(m);
  const c = new Consumer({
    url,
    logger,
    queue: { name: `q_${user}.subscribe.x` },
    bindings: [{ exchange: 'xpublic', key: 'v03.#' }],
    declareExchanges: ['xpublic'],
    prefetch: 5,
  });
  t.after(() => c.close());
  await c.start();
  assert.ok(warnings.some((w) => w.includes('xpublic may not be declared by this user')), warnings.join('\n'));
  assert.ok((await v.mgmt.bindings(v.vhost)).some((b) => b.source === 'xpublic' && b.destination === `q_${user}.subscribe.x`));
});
