// Testkit: a private nginx on a random loopback port serving a directory (autoindex on, UTC dates,
// exact sizes), stoppable and restartable on the same port to simulate an outage.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const NGINX_BIN = '/usr/sbin/nginx';

export interface NginxHandle {
  port: number;
  /** http://127.0.0.1:<port>/ (https:// with `tls`) */
  url: string;
  root: string;
  /** With `tls`: the self-signed certificate (PEM) nginx presents, for NODE_EXTRA_CA_CERTS or curl --cacert. */
  certFile?: string;
  /** Access log: `<addr> <connection serial> <requests on it> "<request>" <status> <bytes>` per line. */
  accessLog: string;
  /** Stops nginx (fast shutdown: open connections are cut). The port stays reserved for start(). */
  stop(): Promise<void>;
  /** Starts it again on the same port (no-op when running). */
  start(): Promise<void>;
  /** Freezes nginx (SIGSTOP master and workers): connects still complete, nothing answers. */
  pause(): Promise<void>;
  /** Undoes pause() (SIGCONT). */
  resume(): Promise<void>;
  /** Stops nginx and removes its temporary directory (not `root`). */
  cleanup(): Promise<void>;
}

/**
 * SIGKILLs `pid` and all its descendants, synchronously (for 'exit' handlers). Used when a test process
 * ends without cleanup(): a paused server ignores SIGTERM, and killing only the parent orphans the rest.
 */
export function killTreeSync(pid: number): void {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited while we looked
    }
  }
  const all = [pid];
  for (let i = 0; i < all.length; i++) for (const [c, pp] of parent) if (pp === all[i]) all.push(c);
  for (const p of all) {
    try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
  }
}

/** nginx processes this test process started: killed (with workers) if it exits without cleanup(). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) if (c.pid && c.exitCode === null) killTreeSync(c.pid);
});

/** A free TCP port on 127.0.0.1 (bound then released; a tiny race is accepted in tests). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once 127.0.0.1:<port> accepts a connection; rejects after `ms` or when `child` exits. */
export async function waitForPort(port: number, ms: number, child?: ChildProcess, what = 'server'): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} before listening on ${port}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => { c.destroy(); resolve(true); });
      c.once('error', () => { c.destroy(); resolve(false); });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends `signal` and waits for the child to exit (SIGKILL after 5 s). */
export async function killAndWait(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(t); resolve(); });
    child.kill(signal);
  });
}

/** Pids of every descendant of `pid`, from /proc parent links (sshd's per-connection processes call
 *  setsid(), so a process-group kill would miss them). */
export async function descendants(pid: number): Promise<number[]> {
  const parent = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(name), ppid);
    } catch {
      // exited while we looked
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const [c, pp] of parent) if (pp === p) { out.push(c); walk(c); }
  };
  walk(pid);
  return out;
}

/** Sends `sig` to sshd and every process it forked. */
export async function signalTree(child: ChildProcess, sig: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  for (const p of [child.pid, ...await descendants(child.pid)]) {
    try { process.kill(p, sig); } catch { /* gone */ }
  }
}

function config(dir: string, root: string, port: number, limitRate?: number, tls?: boolean): string {
  const isRoot = process.getuid?.() === 0;
  return `${isRoot ? 'user root;\n' : ''}worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  log_format conn '$remote_addr $connection $connection_requests "$request" $status $body_bytes_sent';
  access_log ${dir}/access.log conn;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:${port}${tls ? ` ssl;\n    ssl_certificate ${dir}/cert.pem;\n    ssl_certificate_key ${dir}/key.pem` : ''};
    server_name localhost;
    root ${JSON.stringify(root)};
    location / {
      autoindex on;
      autoindex_exact_size on;
      autoindex_localtime off;${limitRate ? `\n      limit_rate ${limitRate};` : ''}
    }
  }
}
`;
}

/**
 * Starts nginx serving `root` on 127.0.0.1:<port> (a free port unless given) and waits until it accepts.
 * `limitRate`: bytes/s per connection (nginx limit_rate), for slow-download tests.
 * `tls`: serve https with a fresh self-signed certificate for 127.0.0.1/localhost (handle.certFile).
 * @throws Error when /usr/sbin/nginx is missing or nginx does not come up within 10 s.
 */
export async function startNginx(opts: { root: string; port?: number; limitRate?: number; tls?: boolean }): Promise<NginxHandle> {
  if (!existsSync(NGINX_BIN)) throw new Error(`nginx not installed (${NGINX_BIN} missing): run tools/services.sh`);
  const dir = await mkdtemp(join(tmpdir(), 'sarra-nginx-'));
  await mkdir(join(dir, 'logs'));
  const port = opts.port ?? await freePort();
  if (opts.tls) {
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
  }
  await writeFile(join(dir, 'nginx.conf'), config(dir, opts.root, port, opts.limitRate, opts.tls));
  let child: ChildProcess | undefined;
  let stderr = '';

  const start = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) return;
    stderr = '';
    const c = spawn(NGINX_BIN, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log'), '-g', 'daemon off;'],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    running.add(c);
    c.once('exit', () => running.delete(c));
    c.on('error', (e: Error) => { stderr += `spawn: ${e.message}\n`; });
    c.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    try {
      await waitForPort(port, 10_000, c, 'nginx');
    } catch (e: unknown) {
      await killAndWait(c);
      throw new Error(`${(e as Error).message}\n${stderr}`, { cause: e });
    }
  };
  const stop = async (): Promise<void> => {
    if (child) {
      await signalTree(child, 'SIGCONT'); // a paused nginx cannot act on SIGTERM
      await killAndWait(child, 'SIGTERM');
    }
  };
  await start();
  return {
    port, url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}/`, root: opts.root, accessLog: join(dir, 'access.log'), start, stop,
    certFile: opts.tls ? join(dir, 'cert.pem') : undefined,
    pause: async () => { if (child) await signalTree(child, 'SIGSTOP'); },
    resume: async () => { if (child) await signalTree(child, 'SIGCONT'); },
    async cleanup() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
