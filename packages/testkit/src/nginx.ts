// Testkit: a private nginx on a random loopback port serving a directory (autoindex on, UTC dates,
// exact sizes), stoppable and restartable on the same port to simulate an outage.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, killAndWait, killAtExit, signalTree, waitForPort } from './child.js';

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
    child = killAtExit(c);
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
