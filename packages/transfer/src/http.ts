// http/https driver on node:http/node:https with one keep-alive Agent per Transfer (axios stays
// out of the data path: DESIGN.md, Memory). Read-only: get, stat (HEAD) and list (index pages).
import http from 'node:http';
import type { IncomingMessage, RequestOptions } from 'node:http';
import type * as httpsNs from 'node:https';
import type { Agent as HttpsAgent } from 'node:https';
import { Transform } from 'node:stream';
import type { Readable, TransformCallback } from 'node:stream';
import { PermanentError, TransientError, redact, tlsOptions, type TlsClientOptions } from '@sarra/common';
import { classifyError, unsupported } from './classify.js';
import { parseIndexPage } from './httpIndex.js';
import { rawGet } from './httpRaw.js';
import type { Driver } from './registry.js';
import type { GetOptions, RemoteEntry, Transfer, TransferOptions } from './types.js';

/** Most redirects followed for one request. */
const MAX_REDIRECTS = 5;
/** Largest index page list() reads (bytes): a directory listing, not a data file. */
const MAX_INDEX_BYTES = 32 * 1024 * 1024;
/** Bodies from this size (bytes, the caller's sizeHint) are read on a raw socket (plain http only). */
export const RAW_MIN = 8 * 1024 * 1024;
/** Sockets per remote: enough for a batch of parallel downloads without flooding the server. */
const MAX_SOCKETS = 16;

/** Drops the first `n` bytes: for servers that answer a Range request with the whole file (200). */
class SkipBytes extends Transform {
  constructor(private left: number) { super(); }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.left >= chunk.length) { this.left -= chunk.length; cb(); return; }
    const rest = this.left > 0 ? chunk.subarray(this.left) : chunk;
    this.left = 0;
    cb(null, rest);
  }
}

/** Percent-encodes each segment of a plain path ('/a b/c#1' -> '/a%20b/c%231'). */
export function encodePath(p: string): string {
  return p.split('/').map((s) => encodeURIComponent(s)).join('/');
}

/**
 * A Transfer on an http(s) server. Paths are plain (not percent-encoded); relative ones resolve under the
 * URL's path. Auth: `bearer_token` / `bt` detail -> `Authorization: Bearer`, else user:password in the URL
 * -> Basic. TLS certificates are checked as `tlsRigour` says (normal: node's defaults). Errors: 404/410 -> PermanentError code
 * ERR_NOT_FOUND reportCode 404; other 4xx -> PermanentError reportCode 499; 5xx, refused, reset,
 * timeout -> TransientError / ConnectionLostError. Writes are unsupported (PermanentError 503).
 */
export class HttpTransfer implements Transfer {
  readonly scheme: string;
  private readonly agents = new Map<string, http.Agent | HttpsAgent>();
  private readonly auth?: string;
  private readonly timeoutMs: number;
  private readonly basePath: string;
  private httpsMod?: typeof httpsNs;
  private readonly tls: TlsClientOptions;

  constructor(private readonly base: URL, opts: TransferOptions) {
    this.scheme = base.protocol.replace(/:$/, '');
    this.tls = tlsOptions(opts.tlsRigour);
    this.timeoutMs = (opts.timeout ?? 300) * 1000;
    const token = opts.details?.bearer_token ?? opts.details?.bt;
    if (token) this.auth = `Bearer ${token}`;
    else if (base.username) {
      const user = decodeURIComponent(base.username), pass = decodeURIComponent(base.password);
      this.auth = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    }
    const bp = decodeURIComponent(base.pathname || '/');
    this.basePath = bp.endsWith('/') ? bp : `${bp}/`;
  }

  /** Absolute URL of a plain remote path. */
  urlFor(path: string): URL {
    const p = path.startsWith('/') ? path : this.basePath + path;
    return new URL(encodePath(p), this.base.origin);
  }

  private async agentFor(u: URL): Promise<http.Agent | HttpsAgent> {
    const key = u.protocol;
    let a = this.agents.get(key);
    if (!a) {
      const o = { keepAlive: true, maxSockets: MAX_SOCKETS, maxFreeSockets: MAX_SOCKETS, scheduling: 'lifo' as const };
      if (u.protocol === 'https:') {
        this.httpsMod ??= await import('node:https');
        a = new this.httpsMod.Agent({ ...o, ...this.tls });
      } else a = new http.Agent(o);
      this.agents.set(key, a);
    }
    return a;
  }

  /** One request, following up to MAX_REDIRECTS redirects. Resolves with the final response (body unread). */
  private async request(method: string, start: URL, headers: Record<string, string>, signal?: AbortSignal): Promise<IncomingMessage> {
    let u = start;
    for (let hop = 0; ; hop++) {
      const res = await this.once(method, u, u.origin === this.base.origin ? headers : stripAuth(headers), signal);
      const s = res.statusCode ?? 0;
      if (s >= 300 && s < 400 && s !== 304 && res.headers.location) {
        drain(res);
        if (hop >= MAX_REDIRECTS) throw new TransientError(`${method} ${redact(start.href)}: more than ${MAX_REDIRECTS} redirects`, { code: 'ERR_REDIRECTS' });
        const next = new URL(res.headers.location, u);
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          throw new PermanentError(`${method} ${redact(start.href)}: redirect to unsupported ${next.protocol}`, { code: 'ERR_REDIRECTS', reportCode: 499 });
        }
        u = next;
        continue;
      }
      return res;
    }
  }

  private async once(method: string, u: URL, headers: Record<string, string>, signal?: AbortSignal): Promise<IncomingMessage> {
    const agent = await this.agentFor(u);
    const mod = u.protocol === 'https:' ? this.httpsMod! : http;
    const o: RequestOptions = { method, agent, headers, signal, timeout: this.timeoutMs };
    for (let attempt = 0; ; attempt++) {
      const r = await new Promise<{ res?: IncomingMessage; err?: unknown; reused: boolean }>((resolve) => {
        const req = mod.request(u, o, (res) => resolve({ res, reused: req.reusedSocket }));
        req.on('timeout', () => {
          req.destroy(new TransientError(`${method} ${redact(u.href)}: no data for ${this.timeoutMs / 1000} s`, { code: 'ERR_TIMEOUT' }));
        });
        req.on('error', (err: unknown) => resolve({ err, reused: req.reusedSocket }));
        req.end();
      });
      if (r.res) return r.res;
      // a kept-alive socket the server closed while idle fails on first use: GET/HEAD are safe to send again
      const code = (r.err as { code?: unknown } | undefined)?.code;
      if (attempt === 0 && r.reused && (code === 'ECONNRESET' || code === 'EPIPE') && !signal?.aborted) continue;
      throw classifyError(r.err, `${method} ${redact(u.href)}`);
    }
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.auth ? { authorization: this.auth, ...extra } : { ...extra };
  }

  private static fail(res: IncomingMessage, what: string): Error {
    drain(res);
    const s = res.statusCode ?? 0;
    const msg = `${what}: HTTP ${s} ${res.statusMessage ?? ''}`.trimEnd();
    if (s === 404 || s === 410) return new PermanentError(msg, { code: 'ERR_NOT_FOUND', reportCode: 404 });
    if (s >= 400 && s < 500 && s !== 408 && s !== 429) return new PermanentError(msg, { code: 'ERR_HTTP', reportCode: 499 });
    return new TransientError(msg, { code: 'ERR_HTTP' });
  }

  /**
   * `sizeHint` (bytes, optional, an addition to the Transfer contract): at or above RAW_MIN on plain http the
   * body is read on a private raw socket with 1 MiB reads, or straight into `opts.into` (httpRaw.ts), falling
   * back to the regular client for anything but a plain 200/206 with Content-Length.
   */
  async getStream(path: string, opts: GetOptions = {}): Promise<Readable> {
    const u = this.urlFor(path);
    const offset = opts.offset ?? 0;
    if (u.protocol === 'http:' && (opts.sizeHint ?? 0) >= RAW_MIN) {
      const raw = await rawGet(u, this.headers(), { offset, timeoutMs: this.timeoutMs, signal: opts.signal, into: opts.into });
      if (raw) return raw;
    }
    const res = await this.request('GET', u, this.headers(offset > 0 ? { range: `bytes=${offset}-` } : {}), opts.signal);
    const s = res.statusCode ?? 0;
    // a reset mid-body must reach the consumer's pipeline, never crash the process unheard
    res.on('error', noop);
    if (s === 206 || (s === 200 && offset === 0)) return res;
    if (s === 200) {
      // the server ignored Range: skip what we already have
      const skip = new SkipBytes(offset);
      res.on('error', (e: unknown) => skip.destroy(classifyError(e, `GET ${redact(u.href)}`)));
      return res.pipe(skip);
    }
    throw HttpTransfer.fail(res, `GET ${redact(u.href)}`);
  }

  async putStream(): Promise<void> { throw unsupported(this.scheme, 'put'); }
  async mkdirp(): Promise<void> { throw unsupported(this.scheme, 'mkdir'); }
  async rename(): Promise<void> { throw unsupported(this.scheme, 'rename'); }
  async remove(): Promise<void> { throw unsupported(this.scheme, 'remove'); }
  async rmdir(): Promise<void> { throw unsupported(this.scheme, 'rmdir'); }
  async symlink(): Promise<void> { throw unsupported(this.scheme, 'symlink'); }

  /** HEAD: size from Content-Length, mtime from Last-Modified; undefined for 404/410. */
  async stat(path: string): Promise<RemoteEntry | undefined> {
    const u = this.urlFor(path);
    const res = await this.request('HEAD', u, this.headers());
    drain(res);
    const s = res.statusCode ?? 0;
    if (s === 404 || s === 410) return undefined;
    if (s < 200 || s >= 300) throw HttpTransfer.fail(res, `HEAD ${redact(u.href)}`);
    const lm = res.headers['last-modified'];
    const name = path.replace(/\/+$/, '').split('/').pop() ?? '';
    return {
      name, size: Number(res.headers['content-length'] ?? 0), mtime: lm ? Date.parse(lm) || 0 : 0,
      isDir: path.endsWith('/'),
    };
  }

  /** GETs the directory's index page and parses it (nginx autoindex, Apache). */
  async list(dir: string): Promise<RemoteEntry[]> {
    const u = this.urlFor(dir.endsWith('/') ? dir : `${dir}/`);
    const res = await this.request('GET', u, this.headers());
    if ((res.statusCode ?? 0) !== 200) throw HttpTransfer.fail(res, `GET ${redact(u.href)}`);
    const chunks: Buffer[] = [];
    let n = 0;
    try {
      for await (const c of res as AsyncIterable<Buffer>) {
        n += c.length;
        if (n > MAX_INDEX_BYTES) {
          res.destroy();
          throw new PermanentError(`GET ${redact(u.href)}: index page over ${MAX_INDEX_BYTES} bytes`, { code: 'ERR_HTTP', reportCode: 499 });
        }
        chunks.push(c);
      }
    } catch (e: unknown) {
      throw classifyError(e, `GET ${redact(u.href)}`);
    }
    return parseIndexPage(Buffer.concat(chunks).toString('utf8'));
  }

  async close(): Promise<void> {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }
}

function noop(): void { /* the consumer's own 'error' listener reports it */ }

/** Discards a body we will not read, keeping the keep-alive socket reusable. */
function drain(res: IncomingMessage): void {
  res.on('error', noop);
  res.resume();
}

function stripAuth(h: Record<string, string>): Record<string, string> {
  const { authorization: _drop, ...rest } = h;
  return rest;
}

/** Driver for http: and https: URLs. Opening does no I/O. */
export const driver: Driver = {
  async open(url: URL, opts: TransferOptions): Promise<HttpTransfer> {
    return new HttpTransfer(url, opts);
  },
};
