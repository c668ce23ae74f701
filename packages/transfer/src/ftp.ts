// ftp/ftps driver: one basic-ftp control connection per Transfer (passive data connections, binary or ASCII type,
// explicit or implicit TLS); FTP runs one command at a time, so every operation waits its turn in a queue.
import { isIP } from 'node:net';
import { posix } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import type { Readable } from 'node:stream';
import { Client, FTPError } from 'basic-ftp';
import type { FileInfo } from 'basic-ftp';
import { ConnectionLostError, PermanentError, TransientError, describeError, redact, tlsOptions } from '@sarra/common';
import type { SarraError } from '@sarra/common';
import { classifyError, unsupported } from './classify.js';
import { fromNetworkText, toNetworkText } from './ftp-ascii.js';
import { abortReason } from './netutil.js';
import type { Driver } from './registry.js';
import { GuardedTransfer } from './remote-confine.js';
import type { ConfinableTransfer, GuardableTransfer, WriteScope } from './remote-confine.js';
import type { GetOptions, RemoteEntry, Transfer, TransferOptions } from './types.js';

/**
 * Maps an FTP reply (RFC 959 section 4.2) or a socket error onto the sarra error tree:
 * 421 -> ConnectionLostError; other 4xx -> TransientError; 530 -> PermanentError ERR_AUTH (499);
 * 550 -> PermanentError ERR_NOT_FOUND (404: vsftpd and most servers answer a missing file so);
 * 553 -> PermanentError ERR_ACCESS (499); 500/502/504 -> PermanentError ERR_UNSUPPORTED (503);
 * 552 (storage exceeded) -> TransientError; anything else as {@link classifyError}.
 */
function classifyFtpError(err: unknown, what: string): SarraError {
  if (!(err instanceof FTPError)) return classifyError(err, what);
  const msg = `${what}: ${err.message}`; // basic-ftp's message starts with the reply code
  const c = err.code;
  if (c === 421) return new ConnectionLostError(msg, { cause: err });
  if (c === 530) return new PermanentError(msg, { code: 'ERR_AUTH', reportCode: 499, cause: err });
  if (c === 550) return new PermanentError(msg, { code: 'ERR_NOT_FOUND', reportCode: 404, cause: err });
  if (c === 553) return new PermanentError(msg, { code: 'ERR_ACCESS', reportCode: 499, cause: err });
  if (c === 500 || c === 502 || c === 504) return new PermanentError(msg, { code: 'ERR_UNSUPPORTED', reportCode: 503, cause: err });
  return new TransientError(msg, { code: 'ERR_TRANSFER', cause: err });
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * ms since the epoch of a Unix LIST date ("Dec 03 13:11": the last 12 months, or "Dec 03 2025"), read as UTC
 * (vsftpd's default); 0 when it does not parse.
 */
function listTime(raw: string, now = Date.now()): number {
  const m = /^(\w{3})\s+(\d{1,2})\s+(?:(\d{1,2}):(\d{2})|(\d{4}))$/.exec(raw.trim());
  const month = m ? MONTHS.indexOf(m[1]!) : -1;
  if (!m || month < 0) return 0;
  const day = Number(m[2]);
  if (m[5]) return Date.UTC(Number(m[5]), month, day);
  const year = new Date(now).getUTCFullYear();
  const t = Date.UTC(year, month, day, Number(m[3]), Number(m[4]));
  // no year: a date in the future is last year's
  return t > now + 86_400_000 ? Date.UTC(year - 1, month, day, Number(m[3]), Number(m[4])) : t;
}

function modeOf(f: FileInfo): number | undefined {
  const p = f.permissions;
  return p ? (p.user << 6) | (p.group << 3) | p.world : undefined;
}

function entryOf(f: FileInfo): RemoteEntry {
  return {
    name: f.name, size: f.size, isDir: f.isDirectory, isLink: f.isSymbolicLink, mode: modeOf(f),
    mtime: f.modifiedAt?.getTime() ?? listTime(f.rawModifiedAt),
  };
}

/**
 * A Transfer over one FTP(S) control connection. Paths are passed to the server as given (relative ones are
 * relative to the login directory). remove()/rmdir() of something already gone succeed; rename() overwrites
 * where the server does (vsftpd). symlink() is refused (FTP has none). stat() is an lstat (the parent's LIST), so
 * a sender's writes can be confined (confined(): GuardedTransfer).
 * After the connection drops (or an abort cuts it) every call throws ConnectionLostError: drop it from the pool.
 */
export class FtpTransfer implements ConfinableTransfer, GuardableTransfer {
  private lost?: SarraError;
  /** The tail of the one-at-a-time command queue. */
  private turn: Promise<unknown> = Promise.resolve();
  /** Directories known to exist: mkdirp() of a known one costs no round trip. */
  private readonly dirs = new Set<string>();

  /** `ascii`: the connection is in TYPE A, file data converted CRLF <-> LF (see ftp-ascii.ts). */
  constructor(readonly scheme: string, private readonly client: Client, private readonly where: string,
    private readonly home: string, private readonly ascii = false) {}

  /** True until the connection is lost, cut by an abort, or closed. */
  get alive(): boolean {
    return this.lost === undefined && !this.client.closed;
  }

  private gone(why: string, cause?: unknown): SarraError {
    this.lost ??= new ConnectionLostError(`${this.scheme} ${this.where}: connection lost: ${why}`, { cause });
    this.client.close();
    return this.lost;
  }

  /** Runs `fn` when the connection is free; errors mapped, the connection marked lost when it closed. */
  private run<T>(what: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const go = async (): Promise<T> => {
      if (this.lost) throw this.lost;
      if (this.client.closed) throw this.gone('closed by the server');
      if (signal?.aborted) throw abortReason(signal);
      // basic-ftp cannot cancel a command: an abort cuts the connection, the pool opens a new one
      const onAbort = (): void => { this.gone(`${what} aborted`, abortReason(signal!)); };
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        return await fn();
      } catch (e: unknown) {
        if (signal?.aborted) throw abortReason(signal);
        const err = classifyFtpError(e, `${this.scheme} ${what}`);
        if (this.client.closed || err instanceof ConnectionLostError) throw this.gone(describeError(e), err);
        throw err;
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    };
    const p = this.turn.then(go, go);
    this.turn = p.catch(() => undefined);
    return p;
  }

  /**
   * Streams the file from byte `offset` (REST). Resolves once the first bytes arrive (or the file proved empty),
   * so a missing file rejects here (404). The connection stays busy until the body is read: destroying the stream
   * early, or `signal` aborting, cuts the connection.
   */
  async getStream(path: string, opts: GetOptions = {}): Promise<Readable> {
    if (this.ascii && opts.offset) {
      throw new PermanentError(`${this.scheme} get ${path}: an ASCII transfer cannot start at byte ${opts.offset}`, { code: 'ERR_UNSUPPORTED', reportCode: 503 });
    }
    const out = this.ascii ? fromNetworkText() : new PassThrough({ highWaterMark: 256 * 1024 });
    let started!: () => void;
    const first = new Promise<void>((resolve) => { started = resolve; });
    let done = false;
    // basic-ftp ends its destination even on failure: it writes into this sink, and `out` ends only on success
    const sink = new Writable({
      highWaterMark: 256 * 1024,
      write(chunk: Buffer, _enc, cb): void {
        started();
        if (out.destroyed) { cb(new Error('reader went away')); return; }
        if (out.write(chunk)) { cb(); return; }
        const go = (): void => { out.off('close', go); out.off('drain', go); cb(out.destroyed ? new Error('reader went away') : null); };
        out.once('drain', go);
        out.once('close', go);
      },
      final(cb): void { cb(); },
    });
    sink.on('error', () => undefined);
    // a failure before the stream is handed over is thrown by getStream: no 'error' event left unheard
    out.on('error', () => undefined);
    out.once('close', () => { if (!done) this.gone(`get ${path}: stream closed before the end`); });
    const transfer = this.run(`get ${path}`, () => this.client.downloadTo(sink, path, opts.offset ?? 0), opts.signal);
    transfer.then(() => { done = true; out.end(); }, (e: unknown) => { done = true; out.destroy(e as Error); });
    await Promise.race([first, transfer]);
    return out;
  }

  /**
   * Writes the stream to `path` (STOR: created or truncated). `signal` cuts the connection. `exclusive`: FTP has
   * no O_EXCL, so the name is looked up first (TransientError ERR_EXISTS when there): a symlink planted between
   * the look-up and the STOR is followed; only the server's own permissions close that race.
   */
  async putStream(path: string, data: Readable, opts: { signal?: AbortSignal; exclusive?: boolean } = {}): Promise<void> {
    if (opts.exclusive && await this.stat(path) !== undefined) {
      throw new TransientError(`${this.scheme} put ${path}: exists`, { code: 'ERR_EXISTS' });
    }
    const body = this.ascii ? data.pipe(toNetworkText()) : data;
    if (body !== data) data.once('error', (e: Error) => body.destroy(e));
    await this.run(`put ${path}`, () => this.client.uploadFrom(body, path), opts.signal);
  }

  /**
   * lstat by listing the parent (LIST): a symlink is reported as one (isLink), not followed; undefined when
   * missing. The login directory and `/` are directories without a round trip.
   */
  async stat(path: string): Promise<RemoteEntry | undefined> {
    return (await this.entry(path))?.entry;
  }

  private async entry(path: string): Promise<{ entry: RemoteEntry; link?: string } | undefined> {
    const p = posix.normalize(path).replace(/(.)\/+$/, '$1');
    if (p === '.' || p === '/') return { entry: { name: p, size: 0, mtime: 0, isDir: true } };
    const name = posix.basename(p);
    const files = await this.run(`stat ${p}`, () => this.client.list(posix.dirname(p))).catch((e: unknown) => {
      if (e instanceof PermanentError && e.code === 'ERR_NOT_FOUND') return [];
      throw e;
    });
    const f = files.find((x) => x.name === name);
    return f ? { entry: entryOf(f), link: f.isSymbolicLink ? f.link : undefined } : undefined;
  }

  /** The directory's real path: CWD there, PWD (vsftpd answers getcwd(), links resolved), CWD back home. */
  async realpath(path: string): Promise<string> {
    return this.run(`realpath ${path}`, async () => {
      await this.client.cd(path);
      try {
        return await this.client.pwd();
      } finally {
        await this.client.cd(this.home);
      }
    });
  }

  /** A symlink's target, from the parent's listing (`name -> target`). */
  async readlink(path: string): Promise<string> {
    const e = await this.entry(path);
    if (e?.link === undefined) {
      throw new PermanentError(`${this.scheme} readlink ${path}: not a symlink`, { code: 'ERR_FS', reportCode: 499 });
    }
    return e.link;
  }

  /** A view whose writes are confined to `scope` (see GuardedTransfer: FTP has no O_EXCL, so `exclusive` is a check first). */
  confined(scope: WriteScope): Transfer {
    return new GuardedTransfer(this, scope);
  }

  async list(dir: string): Promise<RemoteEntry[]> {
    const files = await this.run(`list ${dir}`, () => this.client.list(dir));
    return files.filter((f) => f.name !== '.' && f.name !== '..').map(entryOf);
  }

  /** MKD of each missing level (an existing one answers 550 and is passed). */
  async mkdirp(dir: string): Promise<void> {
    const d = dir.replace(/(.)\/+$/, '$1');
    if (d === '' || d === '/' || d === '.' || this.dirs.has(d)) return;
    await this.run(`mkdir ${d}`, async () => {
      const parts = d.split('/');
      for (let i = 1; i <= parts.length; i++) {
        const p = parts.slice(0, i).join('/');
        if (p === '' || p === '.' || this.dirs.has(p)) continue;
        await this.client.send(`MKD ${p}`).catch((e: unknown) => {
          if (!(e instanceof FTPError && e.code === 550)) throw e;
        });
        this.dirs.add(p);
      }
    });
    // a level that could not be made surfaces when the file is put there
  }

  async rename(from: string, to: string): Promise<void> {
    await this.run(`rename ${from} ${to}`, () => this.client.rename(from, to));
  }

  /** DELE; a file already gone (550 and no such entry) succeeds. */
  async remove(path: string): Promise<void> {
    await this.removing(path, 'DELE');
  }

  /** RMD of an empty directory; one already gone succeeds. */
  async rmdir(path: string): Promise<void> {
    this.dirs.delete(path.replace(/(.)\/+$/, '$1'));
    await this.removing(path, 'RMD');
  }

  private async removing(path: string, cmd: 'DELE' | 'RMD'): Promise<void> {
    try {
      await this.run(`${cmd} ${path}`, () => this.client.send(`${cmd} ${path}`));
    } catch (e: unknown) {
      if (e instanceof PermanentError && e.code === 'ERR_NOT_FOUND' && await this.stat(path) === undefined) return;
      throw e;
    }
  }

  /** @throws PermanentError 503 ERR_UNSUPPORTED: FTP has no symlinks. */
  symlink(): Promise<void> {
    return Promise.reject(unsupported(this.scheme, 'symlink'));
  }

  async close(): Promise<void> {
    this.lost ??= new ConnectionLostError(`${this.scheme} ${this.where}: closed`);
    await this.turn;
    this.client.close();
  }
}

/** A credentials.conf flag (`passive`, `ascii`, ...) is set. */
const flag = (d: Record<string, string> | undefined, k: string): boolean => d?.[k] !== undefined && d[k] !== 'false';

/**
 * Connects and logs in (URL user and password; anonymous without a user), passive mode. sr3's credentials.conf
 * details choose the rest: `binary` (default) or `ascii` type; TLS for ftps:// (or `tls` on ftp://) is explicit
 * (AUTH TLS on the control port, then PROT P for data), with `implicit_ftps` implicit (TLS from the first byte,
 * default port 990); the certificate checked as `tlsRigour` says. `active` is refused: only passive is spoken.
 * Timeouts: opts.timeout seconds (default 300) for the connect and for each reply or data stall.
 * @throws PermanentError ERR_AUTH when the login is refused (530), ERR_UNSUPPORTED (503) for `active`;
 *   TransientError / ConnectionLostError when the server cannot be reached.
 */
export const driver: Driver = {
  async open(url: URL, opts: TransferOptions): Promise<Transfer> {
    const scheme = url.protocol.replace(/:$/, '');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const d = opts.details;
    const implicit = flag(d, 'implicit_ftps');
    const tls = scheme === 'ftps' || implicit || flag(d, 'tls') || flag(d, 'ssl');
    const ascii = flag(d, 'ascii') && !flag(d, 'binary');
    const port = url.port ? Number(url.port) : implicit ? 990 : 21;
    const where = redact(`${scheme}://${url.username ? `${url.username}@` : ''}${url.host}`);
    if (flag(d, 'active')) {
      throw new PermanentError(`${scheme} ${where}: active FTP mode is not supported (passive only): drop 'active' from credentials.conf`,
        { code: 'ERR_UNSUPPORTED', reportCode: 503 });
    }
    const client = new Client((opts.timeout ?? 300) * 1000);
    const onAbort = (): void => client.close();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await client.access({
        host, port,
        user: url.username ? decodeURIComponent(url.username) : 'anonymous',
        password: url.username ? decodeURIComponent(url.password) : 'anonymous@',
        secure: implicit ? 'implicit' : tls,
        secureOptions: tls ? { ...tlsOptions(opts.tlsRigour), ...(isIP(host) ? {} : { servername: host }) } : undefined,
      });
      if (ascii) await client.send('TYPE A');
      const home = await client.pwd();
      return new FtpTransfer(scheme, client, where, home, ascii);
    } catch (e: unknown) {
      client.close();
      if (opts.signal?.aborted) throw abortReason(opts.signal);
      throw classifyFtpError(e, `${scheme} ${where}: login`);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  },
};
