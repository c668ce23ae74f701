// Testkit: a private three-node RabbitMQ cluster on loopback, beside the shared broker on 5672 (never touched):
// own node names, AMQP and distribution ports, data, log and config in a temp dir; the system Erlang cookie.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, killAndWait, killAtExit, waitForPort } from './child.js';

const run = promisify(execFile);
/** The Debian package's binaries, as tools/services.sh installs them; rabbitmqctl runs as the rabbitmq user. */
const SERVER_BIN = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const CTL_BIN = '/usr/sbin/rabbitmqctl';
/** The rabbitmq user's home: its .erlang.cookie is the one every node and rabbitmqctl share. */
const RABBIT_HOME = '/var/lib/rabbitmq';
/** One scheduler and few async threads per VM: three brokers on a 2-core machine stay light. */
const LIGHT_ERL_ARGS = '+S 1:1 +SDcpu 1:1 +SDio 2 +A 2 +P 65536 -kernel inet_dist_use_interface {127,0,0,1}';

export interface ClusterNode {
  /** Erlang node name, e.g. `sarra-c1-ab12@localhost` (for `rabbitmqctl -n`). */
  name: string;
  /** AMQP port on 127.0.0.1. */
  port: number;
  /** `127.0.0.1:<port>`, as the instances report the node they are on. */
  address: string;
}

export interface TestCluster {
  nodes: ClusterNode[];
  /** A vhost made for this cluster (guest has every permission on it). */
  vhost: string;
  /** `amqp://guest:guest@127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3/<vhost>`: every node, the failover form. */
  url: string;
  /** `amqp://guest:guest@127.0.0.1:<port of node i>/<vhost>`: one node only. */
  nodeUrl(i: number): string;
  /** Runs `rabbitmqctl -n <node i> <args>`; resolves with its stdout. */
  ctl(i: number, ...args: string[]): Promise<string>;
  /** `rabbitmqctl stop_app` on node i: its clients are cut off, the others keep the quorum. */
  stopApp(i: number): Promise<void>;
  /** `rabbitmqctl start_app` on node i, resolving once it accepts AMQP again. */
  startApp(i: number): Promise<void>;
  /** Messages in each queue of the vhost (ready + unacknowledged), asked of a running node. */
  queueDepths(): Promise<Map<string, number>>;
  /** Stops every node and deletes their directories. */
  cleanup(): Promise<void>;
}

/**
 * Starts three RabbitMQ nodes and joins the second and third to the first (`stop_app; join_cluster; start_app`).
 * Takes about a minute on a loaded machine. Throws naming the node and the tail of its log if one cannot start:
 * integration tests fail, never skip, without their servers. Needs root (as tools/services.sh and CI run).
 */
export async function startCluster(): Promise<TestCluster> {
  if (process.getuid?.() !== 0) throw new Error('startCluster must run as root (rabbitmq-server runs as the rabbitmq user)');
  const { uid, gid } = await rabbitIds();
  const dir = await mkdtemp(join(tmpdir(), 'sarra-cluster-'));
  await chown(dir, uid, gid);
  const tag = randomBytes(2).toString('hex');
  const children: ChildProcess[] = [];
  const nodes: ClusterNode[] = [];
  const alive: boolean[] = [];
  const ctl = async (i: number, ...args: string[]): Promise<string> => {
    const { stdout } = await run(CTL_BIN, ['-n', nodes[i]!.name, ...args], { timeout: 120_000 });
    return stdout;
  };
  const cleanup = async (): Promise<void> => {
    await Promise.all(children.map((c) => killAndWait(c)));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 1; i <= 3; i++) {
      const port = await freePort();
      const node: ClusterNode = { name: `sarra-c${i}-${tag}@localhost`, port, address: `127.0.0.1:${port}` };
      const child = await startNode(node, join(dir, `n${i}`), await freePort(), uid, gid);
      nodes.push(node);
      children.push(child);
      alive.push(true);
    }
    await Promise.all(nodes.map((n, i) => waitForPort(n.port, 120_000, children[i], `rabbitmq node ${n.name}`)));
    for (const i of [1, 2]) {
      await ctl(i, 'stop_app');
      await ctl(i, 'join_cluster', nodes[0]!.name);
      await ctl(i, 'start_app');
    }
    await Promise.all(nodes.map((n) => waitForPort(n.port, 120_000, undefined, `rabbitmq node ${n.name}`)));
  } catch (err) {
    const logs = await Promise.all(nodes.map((n, i) => readFile(join(dir, `n${i + 1}`, 'out'), 'utf8').catch(() => '')));
    await cleanup();
    const tail = logs.map((l, i) => `${nodes[i]!.name}: ${l.split('\n').slice(-8).join('\n')}`).join('\n');
    throw new Error(`RabbitMQ test cluster did not start: ${err instanceof Error ? err.message : String(err)}\n${tail}`, { cause: err });
  }
  const vhost = `sarra-cluster-${tag}`;
  await ctl(0, 'add_vhost', vhost);
  await ctl(0, 'set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
  const v = encodeURIComponent(vhost);
  const up = (): number => {
    const i = alive.indexOf(true);
    if (i < 0) throw new Error('every cluster node is stopped');
    return i;
  };
  return {
    nodes,
    vhost,
    url: `amqp://guest:guest@${nodes.map((n) => n.address).join(',')}/${v}`,
    nodeUrl: (i) => `amqp://guest:guest@${nodes[i]!.address}/${v}`,
    ctl,
    async stopApp(i) {
      await ctl(i, 'stop_app');
      alive[i] = false;
    },
    async startApp(i) {
      await ctl(i, 'start_app');
      await waitForPort(nodes[i]!.port, 120_000, undefined, `rabbitmq node ${nodes[i]!.name}`);
      alive[i] = true;
    },
    async queueDepths() {
      const out = await ctl(up(), 'list_queues', '-q', '--no-table-headers', '-p', vhost, 'name', 'messages');
      const depths = new Map<string, number>();
      for (const line of out.split('\n')) {
        const [name, n] = line.trim().split(/\s+/);
        if (name && n !== undefined) depths.set(name, Number(n));
      }
      return depths;
    },
    cleanup,
  };

  async function startNode(node: ClusterNode, home: string, distPort: number, uid: number, gid: number): Promise<ChildProcess> {
    await mkdir(home, { recursive: true });
    await writeFile(join(home, 'rabbitmq.conf'), `listeners.tcp.local = 127.0.0.1:${node.port}\n`);
    // an empty env file: the shared broker's /etc/rabbitmq/rabbitmq-env.conf (its NODENAME) must not apply
    await writeFile(join(home, 'rabbitmq-env.conf'), '');
    await writeFile(join(home, 'enabled_plugins'), '[].\n');
    await run('chown', ['-R', `${uid}:${gid}`, home]);
    const child = spawn(SERVER_BIN, [], {
      cwd: RABBIT_HOME,
      uid,
      gid,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
        HOME: RABBIT_HOME,
        RABBITMQ_CONF_ENV_FILE: join(home, 'rabbitmq-env.conf'),
        RABBITMQ_NODENAME: node.name,
        RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
        RABBITMQ_NODE_PORT: String(node.port),
        RABBITMQ_DIST_PORT: String(distPort),
        RABBITMQ_MNESIA_BASE: join(home, 'mnesia'),
        RABBITMQ_LOG_BASE: join(home, 'log'),
        RABBITMQ_CONFIG_FILE: join(home, 'rabbitmq'),
        RABBITMQ_ENABLED_PLUGINS_FILE: join(home, 'enabled_plugins'),
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: LIGHT_ERL_ARGS,
        ERL_EPMD_ADDRESS: '127.0.0.1',
      },
    });
    const out = createWriteStream(join(home, 'out'));
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    child.on('error', () => {});
    return killAtExit(child);
  }
}

async function rabbitIds(): Promise<{ uid: number; gid: number }> {
  try {
    const [u, g] = await Promise.all([run('id', ['-u', 'rabbitmq']), run('id', ['-g', 'rabbitmq'])]);
    return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
  } catch (err) {
    throw new Error('no rabbitmq user: RabbitMQ is not installed (run tools/services.sh)', { cause: err });
  }
}
