// `sr serve [--port N] [--bind ADDR] [component/config ...]`: one HTTP server for the whole pump (status page, status.json,
// /metrics); instances open no ports.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import type { Env } from '@sarra/common';
import { knownConfigs, resolveSelection } from './configs.js';
import { configDetail } from './detail.js';
import { num } from './metrics.js';
import { detailPage, PAGE_CSP, statusPage } from './page.js';
import { renderMetrics, type InstanceSample } from './prometheus.js';
import { RateHistory } from './rates.js';
import { usage } from './procfs.js';
import type { ConfigRef } from './select.js';
import { observe, statusOf } from './status.js';
import { strays } from './supervisor.js';

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

/** How often (ms) the server samples the metrics files for the rate charts (instances write theirs every 5-10 s). */
const SAMPLE_MS = 5000;

const keyOf = (r: { component: string; config: string }): string => `${r.component}/${r.config}`;

/** Adds every configuration's totals, as of its newest metrics write, to the history. */
async function sampleRates(history: RateHistory, refs: ConfigRef[], env: Env): Promise<void> {
  history.keep(new Set(refs.map(keyOf)));
  await Promise.all(refs.map(async (ref) => {
    const o = await observe(ref, env);
    if (!o.metrics.length) return;
    history.add(keyOf(ref), { t: Math.max(...o.metrics.map((m) => m.mtimeMs)),
      received: o.metrics.reduce((a, m) => a + num(m.data.totals?.received), 0),
      bytes: o.metrics.reduce((a, m) => a + num(m.data.totals?.transferredBytes), 0) });
  }));
}

type Reply = { status: number; type: string; body: string };
const HTML = 'text/html; charset=utf-8';

/** The answer to one GET: the page, a detail view, status.json, /metrics or 404. */
async function route(path: string, refs: ConfigRef[], history: RateHistory, env: Env): Promise<Reply> {
  const now = Date.now();
  if (path === '/metrics') {
    const { contentType, text } = await renderMetrics(await sampleInstances(refs, env));
    return { status: 200, type: contentType, body: text };
  }
  if (path === '/status.json') return { status: 200, type: 'application/json', body: JSON.stringify(await statusOf(refs, env, now)) };
  if (path === '/') {
    const [rows, lost] = await Promise.all([statusOf(refs, env, now), strays(await knownConfigs(env), env)]);
    return { status: 200, type: HTML, body: statusPage(rows, (k) => history.series(k, now), history.since, now, lost.length) };
  }
  // /config/<component>/<config>: only a configuration being served, matched by name (the path names no file)
  const m = /^\/config\/([^/]+)\/([^/]+)$/.exec(path);
  const names = m ? [m[1]!, m[2]!].map((x) => { try { return decodeURIComponent(x); } catch { return ''; } }) : [];
  const ref = refs.find((r) => r.component === names[0] && r.config === names[1]);
  if (ref) return { status: 200, type: HTML, body: detailPage(await configDetail(ref, env, now), history.series(keyOf(ref), now), history.since, now) };
  return { status: 404, type: 'text/plain', body: 'not found: try /, /status.json or /metrics\n' };
}

/**
 * Starts the server: `/` the status page, `/config/<component>/<config>` a configuration's detail view, `/status.json`
 * the `sr status --json` records, `/metrics` the Prometheus text; anything else is 404. `refs` lists what is served
 * (re-listed on each request). Samples the rates every 5 s for the charts. Resolves once listening.
 */
export async function startMetricsServer(opts: { port: number; bind: string; refs: () => Promise<ConfigRef[]>; env: Env }): Promise<Server> {
  const history = new RateHistory();
  let sampling = false;
  const sample = async (): Promise<void> => {
    if (sampling) return;
    sampling = true;
    try { await sampleRates(history, await opts.refs(), opts.env); } catch { /* the next round tries again */ } finally { sampling = false; }
  };
  await sample();
  const server = createServer((req, res) => {
    void (async () => {
      try {
        if (req.method !== 'GET') {
          res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET' }).end('only GET\n');
          return;
        }
        const r = await route(new URL(req.url ?? '/', 'http://x').pathname, await opts.refs(), history, opts.env);
        const headers: Record<string, string> = { 'content-type': r.type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
        if (r.type === HTML) headers['content-security-policy'] = PAGE_CSP;
        res.writeHead(r.status, headers).end(r.body);
      } catch (err: unknown) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`);
      }
    })();
  });
  const timer = setInterval(() => void sample(), SAMPLE_MS);
  timer.unref();
  server.on('close', () => clearInterval(timer));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.bind, () => { server.off('error', reject); resolve(); });
  });
  server.on('error', () => undefined);
  return server;
}

/** Prints where the server listens, then serves until SIGINT/SIGTERM. */
export async function serveUntilSignal(server: Server, say: (line: string) => void): Promise<void> {
  const addr = server.address() as AddressInfo;
  const base = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  say(`status page ${base}/ and metrics ${base}/metrics (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
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
    process.stdout.write(`${usageLine}Serves the status page (/, /config/<component>/<config>), /status.json and /metrics (Prometheus text format)\n` +
      `from the instances' pid, metrics and log files, read on each request.\n`);
    return 0;
  }
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`sr serve: --port ${values.port}: not a port number\n`);
    return 2;
  }
  let server: Server;
  try {
    const refs = async (): Promise<ConfigRef[]> => (positionals.length ? (await resolveSelection(positionals, env)).selected : knownConfigs(env));
    server = await startMetricsServer({ port, bind: values.bind ?? '127.0.0.1', refs, env });
  } catch (err: unknown) {
    process.stderr.write(`sr serve: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  await serveUntilSignal(server, (line) => process.stdout.write(`${line}\n`));
  return 0;
}
