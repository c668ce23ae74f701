// `sr serve [--port N] [--bind ADDR] [component/config ...]`: one HTTP server for the whole pump; instances open no ports.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import type { Env } from '@sarra/common';
import { knownConfigs, resolveSelection } from './configs.js';
import { renderMetrics, type InstanceSample } from './prometheus.js';
import { usage } from './procfs.js';
import type { ConfigRef } from './select.js';
import { observe } from './status.js';

/** Default port of `sr serve` (an unassigned one near the node exporter's 9100). */
const DEFAULT_PORT = 9821;

/** Every instance of the configurations, read afresh from pid files, /proc and the metrics files. */
async function sampleInstances(refs: ConfigRef[], env: Env = process.env): Promise<InstanceSample[]> {
  const perConfig = await Promise.all(refs.map(async (ref) => {
    const o = await observe(ref, env);
    const numbers = new Set<number>([...o.pidFiles.map((p) => p.instance), ...o.metrics.map((m) => m.instance),
      ...Object.keys(o.restarts ?? {}).map(Number)]);
    return Promise.all([...numbers].sort((a, b) => a - b).map(async (instance): Promise<InstanceSample> => {
      const pid = o.pidFiles.find((p) => p.instance === instance && p.alive)?.pid;
      const m = o.metrics.find((x) => x.instance === instance);
      const s: InstanceSample = { component: ref.component, config: ref.config, instance, up: pid !== undefined, restarts: o.restarts?.[instance] ?? 0 };
      if (m) { s.metrics = m.data; s.mtimeMs = m.mtimeMs; }
      const u = pid !== undefined ? await usage(pid) : undefined;
      if (u) s.usage = u;
      return s;
    }));
  }));
  return perConfig.flat();
}

/**
 * Starts the server: `/metrics` renders the selected configurations (all known ones, re-listed on each scrape, when
 * `patterns` is empty); anything else is 404. Resolves once listening.
 */
async function startMetricsServer(opts: { port: number; bind: string; patterns: string[]; env: Env }): Promise<Server> {
  const refs = async (): Promise<ConfigRef[]> =>
    opts.patterns.length ? (await resolveSelection(opts.patterns, opts.env)).selected : knownConfigs(opts.env);
  const server = createServer((req, res) => {
    void (async () => {
      try {
        if (req.method !== 'GET' || new URL(req.url ?? '/', 'http://x').pathname !== '/metrics') {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
          return;
        }
        const { contentType, text } = await renderMetrics(await sampleInstances(await refs(), opts.env));
        res.writeHead(200, { 'content-type': contentType }).end(text);
      } catch (err: unknown) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.bind, () => { server.off('error', reject); resolve(); });
  });
  server.on('error', () => undefined);
  return server;
}

/** `sr serve`: serves until SIGINT/SIGTERM; prints the address (port 0: the one chosen). Returns the exit code. */
export async function serveMain(argv: string[], env: Env = process.env): Promise<number> {
  const usageLine = `usage: sr serve [--port N (default ${DEFAULT_PORT}, 0: any free one)] [--bind ADDR (default 127.0.0.1)] [component/config ...]\n`;
  let values: { port?: string; bind?: string; help?: boolean }, positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, allowPositionals: true,
      options: { port: { type: 'string' }, bind: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err: unknown) {
    process.stderr.write(`sr serve: ${err instanceof Error ? err.message : String(err)}\n${usageLine}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${usageLine}Serves /metrics (Prometheus text format) from the instances' metrics files, read on each scrape.\n`);
    return 0;
  }
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`sr serve: --port ${values.port}: not a port number\n`);
    return 2;
  }
  let server: Server;
  try {
    server = await startMetricsServer({ port, bind: values.bind ?? '127.0.0.1', patterns: positionals, env });
  } catch (err: unknown) {
    process.stderr.write(`sr serve: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  process.stdout.write(`metrics on http://${host}:${addr.port}/metrics (Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return 0;
}
