// sftp driver: ssh2-sftp-client connects (key or password auth, known_hosts check, keepalive); every
// file operation then goes straight to the ssh2 SFTP channel so many requests can be in flight at once
// (writes pipelined by SftpSink).
import { homedir } from 'node:os';
import { basename, posix } from 'node:path';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { readFile } from 'node:fs/promises';
import SftpClient from 'ssh2-sftp-client';
import type { SFTPWrapper, Stats } from 'ssh2';
import { ConnectionLostError, PermanentError, TransientError, describeError } from '@sarra/common';
import type { SarraError } from '@sarra/common';
import { SFTP_STATUS, classifyError } from './classify.js';
import { SftpSink } from './sftpSink.js';
import { abortReason, autoCork, connectTcp, pump, untilAborted } from './netutil.js';
import { checkHostKey, knownHostName, knownKeyTypes, loadKnownHosts } from './knownHosts.js';
import type { HostKeyVerdict } from './knownHosts.js';
import type { Driver } from './registry.js';
import { GuardedTransfer } from './remote-confine.js';
import type { ConfinableTransfer, GuardableTransfer, WriteScope } from './remote-confine.js';
import type { GetOptions, RemoteEntry, Transfer, TransferOptions } from './types.js';

/** Seconds between ssh keepalives; 3 unanswered ones drop the connection. */
const KEEPALIVE_S = 15;
/** Longest connect + handshake + auth, seconds (capped by opts.timeout). */
const CONNECT_TIMEOUT_S = 30;
const HOST_KEY_ALGOS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521',
  'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

function statusOf(e: unknown): unknown {
  return (e as { code?: unknown } | undefined)?.code;
}

function entryOf(name: string, st: Stats): RemoteEntry {
  return { name, size: Number(st.size), mtime: st.mtime * 1000, isDir: st.isDirectory(), isLink: st.isSymbolicLink(), mode: st.mode & 0o7777 };
}

/**
 * A Transfer over one SSH connection's SFTP channel. Paths are passed to the server as given (relative
 * ones are relative to the login directory). remove()/rmdir() of something already gone succeed;
 * rename() overwrites (posix-rename@openssh.com when offered); symlink() replaces an existing entry.
 * After the connection drops every call throws ConnectionLostError: drop it from the pool.
 */
export class SftpTransfer implements ConfinableTransfer, GuardableTransfer {
  readonly scheme = 'sftp';
  private lost?: SarraError;
  /** Directories known to exist: mkdirp() of a known one costs no round trip. */
  private readonly dirs = new Set<string>();

  /**
   * @param timeoutMs longest wait for the reply to one SFTP request (opts.timeout, default 300 s); past it the
   *   server is taken as hung: the connection is dropped and the call fails with ConnectionLostError.
   */
  constructor(private readonly client: SftpClient, private readonly sftp: SFTPWrapper, private readonly where: string,
    private readonly timeoutMs = 300_000, private readonly sock?: Socket) {
    sftp.on('close', () => this.markLost('sftp channel closed'));
    sftp.on('error', (e: unknown) => this.markLost(describeError(e)));
  }

  /** Called when the connection or channel goes away. */
  markLost(why: string, cause?: unknown): void {
    this.lost ??= new ConnectionLostError(`sftp ${this.where}: connection lost: ${why}`, { cause });
  }

  /** True until the connection is lost or closed. */
  get alive(): boolean {
    return this.lost === undefined;
  }

  /** The server left `what` unanswered for timeoutMs: take the connection as lost and drop it. */
  private hung(what: string): SarraError {
    const why = `no reply to ${what} within ${this.timeoutMs / 1000} s`;
    // ERR_TIMEOUT: the engine backs off a silent server, not one that hung up
    this.markLost(why, new TransientError(why, { code: 'ERR_TIMEOUT' }));
    void this.endClient();
    return this.lost!;
  }

  /** Runs one callback-style SFTP request, mapping errors. */
  private call<T>(what: string, fn: (cb: (err: Error | undefined | null, v?: T) => void) => void): Promise<T> {
    if (this.lost) return Promise.reject(this.lost);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(this.hung(what)), this.timeoutMs);
      try {
        fn((err, v) => {
          clearTimeout(timer);
          if (err) reject(this.lost ?? classifyError(err, `sftp ${what}`));
          else resolve(v as T);
        });
      } catch (e: unknown) {
        clearTimeout(timer);
        reject(this.lost ?? classifyError(e, `sftp ${what}`));
      }
    });
  }

  /** `signal` aborts the open too (a handle that arrives later is closed) and destroys the stream afterwards. */
  async getStream(path: string, opts: GetOptions = {}): Promise<Readable> {
    const opening = this.call<Buffer>(`get ${path}`, (cb) => this.sftp.open(path, 'r', cb));
    const handle = opts.signal ? await untilAborted(opening, opts.signal, (h) => this.sftp.close(h, () => undefined)) : await opening;
    const rs = this.sftp.createReadStream(path, { handle, start: opts.offset ?? 0, autoClose: true, highWaterMark: 256 * 1024 });
    // ssh2's ReadStream can emit 'error' again after it is destroyed (a read in flight fails on the
    // closed handle); unheard, that would surface as an error of the whole ssh connection
    rs.on('error', () => undefined);
    this.watchReads(rs as unknown as Readable & { bytesRead?: number }, path);
    if (opts.signal) {
      const sig = opts.signal;
      const onAbort = (): void => { rs.destroy(abortReason(sig)); };
      sig.addEventListener('abort', onAbort, { once: true });
      rs.once('close', () => sig.removeEventListener('abort', onAbort));
    }
    return rs as unknown as Readable;
  }

  /**
   * Read watchdog: a consumer is reading and the buffer is empty (so it waits on the server), yet no byte
   * arrived for timeoutMs -> the server is hung: destroy the stream and drop the connection.
   */
  private watchReads(r: Readable & { bytesRead?: number }, path: string): void {
    // progress is read from ssh2's bytesRead counter: a 'data' listener would switch the stream to flowing
    let last = Date.now();
    let seen = r.bytesRead ?? 0;
    const tick = Math.max(250, Math.min(5000, this.timeoutMs / 4));
    const timer = setInterval(() => {
      const now = r.bytesRead ?? 0;
      // no consumer yet, or data waiting for a slow consumer: not the server's fault
      if (now !== seen || r.readableFlowing === null || r.readableLength > 0) {
        seen = now;
        last = Date.now();
        return;
      }
      if (Date.now() - last >= this.timeoutMs) {
        clearInterval(timer);
        r.destroy(this.hung(`get ${path}`));
      }
    }, tick);
    timer.unref();
    r.once('close', () => clearInterval(timer));
  }

  /**
   * `exclusive`: create the file with O_EXCL (a symlink at `path` is not followed); the name existing fails
   * with TransientError code ERR_EXISTS (SFTP reports EEXIST as a bare FAILURE status).
   */
  async putStream(path: string, data: Readable, opts: { signal?: AbortSignal; exclusive?: boolean } = {}): Promise<void> {
    let handle: Buffer;
    try {
      handle = await this.call<Buffer>(`put ${path}`, (cb) => this.sftp.open(path, opts.exclusive ? 'wx' : 'w', cb));
    } catch (e: unknown) {
      if (opts.exclusive && !this.lost && statusOf((e as { cause?: unknown }).cause) === SFTP_STATUS.FAILURE) {
        throw new TransientError(`sftp put ${path}: exists`, { code: 'ERR_EXISTS', cause: e });
      }
      if (e instanceof PermanentError && e.reportCode === 404) {
        // the directory is missing (maybe removed behind our back): forget it and retry later
        this.dirs.delete(posix.dirname(path));
        throw new TransientError(`sftp put ${path}: directory missing`, { code: 'ERR_NO_DIR', cause: e });
      }
      throw e;
    }
    try {
      await pump(data, new SftpSink(this.sftp, handle, { timeoutMs: this.timeoutMs, hung: () => this.hung(`put ${path}`) }), opts.signal);
    } catch (e: unknown) {
      throw this.lost ?? classifyError(e, `sftp put ${path}`);
    }
  }

  async stat(path: string): Promise<RemoteEntry | undefined> {
    try {
      return entryOf(basename(path), await this.call<Stats>(`stat ${path}`, (cb) => this.sftp.lstat(path, cb)));
    } catch (e: unknown) {
      if (e instanceof PermanentError && e.reportCode === 404) return undefined;
      throw e;
    }
  }

  /** The server's canonical absolute path of `path` (symlinks resolved). */
  realpath(path: string): Promise<string> {
    return this.call<string>(`realpath ${path}`, (cb) => this.sftp.realpath(path, cb));
  }

  /** The target of the symlink `path`. */
  readlink(path: string): Promise<string> {
    return this.call<string>(`readlink ${path}`, (cb) => this.sftp.readlink(path, cb));
  }

  /** A view whose writes are confined to `scope` (see GuardedTransfer: checked per request, not race-free). */
  confined(scope: WriteScope): Transfer {
    return new GuardedTransfer(this, scope);
  }

  async list(dir: string): Promise<RemoteEntry[]> {
    const items = await this.call<{ filename: string; attrs: Stats }[]>(`list ${dir}`, (cb) => this.sftp.readdir(dir, cb));
    return items.filter((i) => i.filename !== '.' && i.filename !== '..').map((i) => entryOf(i.filename, i.attrs));
  }

  async mkdirp(dir: string): Promise<void> {
    const d = posix.normalize(dir);
    if (d === '.' || d === '/' || this.dirs.has(d)) return;
    try {
      await this.call<void>(`mkdir ${d}`, (cb) => this.sftp.mkdir(d, cb));
    } catch (e: unknown) {
      if (this.lost) throw this.lost;
      const cause = (e as { cause?: unknown }).cause;
      if (statusOf(cause) === SFTP_STATUS.NO_SUCH_FILE) {
        await this.mkdirp(posix.dirname(d));
        await this.call<void>(`mkdir ${d}`, (cb) => this.sftp.mkdir(d, cb)).catch(async (e2: unknown) => {
          if (!(await this.stat(d))?.isDir) throw e2; // lost a race with another mkdir: fine if it exists now
        });
      } else {
        const st = await this.stat(d);
        if (!st?.isDir) throw e;
      }
    }
    this.dirs.add(d);
  }

  async rename(from: string, to: string): Promise<void> {
    try {
      await this.call<void>(`rename ${from} -> ${to}`, (cb) => this.sftp.ext_openssh_rename(from, to, cb));
      return;
    } catch (e: unknown) {
      if (this.lost) throw this.lost;
      if (!/does not support/i.test(describeError((e as { cause?: unknown }).cause ?? e))) throw e;
    }
    // plain SFTP rename refuses to overwrite: remove the target first (not atomic; only without posix-rename)
    await this.remove(to);
    await this.call<void>(`rename ${from} -> ${to}`, (cb) => this.sftp.rename(from, to, cb));
  }

  async remove(path: string): Promise<void> {
    try {
      await this.call<void>(`remove ${path}`, (cb) => this.sftp.unlink(path, cb));
    } catch (e: unknown) {
      if (!(e instanceof PermanentError && e.reportCode === 404)) throw e;
    }
  }

  async rmdir(path: string): Promise<void> {
    this.dirs.clear(); // cheap and always right: anything below may be gone too
    try {
      await this.call<void>(`rmdir ${path}`, (cb) => this.sftp.rmdir(path, cb));
    } catch (e: unknown) {
      if (!(e instanceof PermanentError && e.reportCode === 404)) throw e;
    }
  }

  async symlink(target: string, path: string): Promise<void> {
    await this.remove(path);
    await this.call<void>(`symlink ${path} -> ${target}`, (cb) => this.sftp.symlink(target, path, cb));
  }

  async close(): Promise<void> {
    this.markLost('closed');
    await this.endClient();
  }

  /** Ends the ssh connection politely, but never waits more than 2 s on a hung server. */
  private async endClient(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => { timer = setTimeout(resolve, 2000); });
    await Promise.race([this.client.end().then(() => undefined, () => undefined), grace]);
    clearTimeout(timer);
    // ssh2's own destroy() skips a socket it already half-closed; ours is cut for certain
    this.sock?.destroy();
    (this.client as unknown as { client: { destroy(): void } }).client.destroy();
  }
}

/** `StrictHostKeyChecking=no` (or strict_host_key_checking=no / accept-new) in credentials details. */
function acceptsUnknownHosts(details: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(details)) {
    if (k.toLowerCase().replace(/_/g, '') === 'stricthostkeychecking' && /^(no|off|false|accept-new)$/i.test(v.trim())) return true;
  }
  return false;
}

/** The private key to offer: details.ssh_keyfile, else the first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa. */
async function privateKey(details: Record<string, string>): Promise<{ file: string; key: Buffer } | undefined> {
  const named = details.ssh_keyfile;
  if (named) {
    const file = named.replace(/^~(?=\/)/, homedir());
    try {
      return { file, key: await readFile(file) };
    } catch (e: unknown) {
      // a configuration problem: keep the data queued (transient) while the operator fixes it
      throw new TransientError(`sftp: cannot read ssh_keyfile ${file}: ${describeError(e)}`, { code: 'ERR_KEYFILE', cause: e });
    }
  }
  for (const n of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
    const file = posix.join(homedir(), '.ssh', n);
    try {
      return { file, key: await readFile(file) };
    } catch {
      // not there (or unreadable): try the next default, as ssh does
    }
  }
  return undefined;
}

/**
 * Driver for sftp: URLs. Auth: the private key (details.ssh_keyfile or ~/.ssh defaults) and/or the URL's
 * password; ssh-agent via SSH_AUTH_SOCK when neither is given. Host keys are checked against
 * details.known_hosts (a file) or ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts; an unknown host is
 * refused unless details say StrictHostKeyChecking=no; a changed or revoked key is always refused.
 * Errors: refused/unreachable -> ConnectionLostError; host key or auth problems -> TransientError
 * (codes ERR_HOST_KEY, ERR_AUTH) naming host and file, so the engine keeps the data and retries.
 */
export const driver: Driver = {
  async open(url: URL, opts: TransferOptions): Promise<SftpTransfer> {
    const details = opts.details ?? {};
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || 22);
    const username = decodeURIComponent(url.username) || process.env.USER || 'root';
    const where = `${username}@${host}:${port}`;
    const khFiles = details.known_hosts
      ? [details.known_hosts.replace(/^~(?=\/)/, homedir())]
      : [posix.join(homedir(), '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts'];
    const known = await loadKnownHosts(khFiles);
    const acceptUnknown = acceptsUnknownHosts(details);
    const types = knownKeyTypes(known, host, port).flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]));
    const algos = [...types.filter((t) => HOST_KEY_ALGOS.includes(t)), ...HOST_KEY_ALGOS.filter((t) => !types.includes(t))];
    let verdict: HostKeyVerdict | undefined;
    const key = await privateKey(details);
    const password = url.password ? decodeURIComponent(url.password) : undefined;

    const ref: { t?: SftpTransfer } = {};
    const client = new SftpClient('sarra', {
      error: (e: unknown) => ref.t?.markLost(describeError(e)),
      end: () => ref.t?.markLost('connection ended'),
      close: () => ref.t?.markLost('connection closed'),
    });
    const timeoutS = Math.min(opts.timeout ?? CONNECT_TIMEOUT_S, CONNECT_TIMEOUT_S);
    let sftp: SFTPWrapper;
    // our own socket (ssh2's `sock` option) so its writes can be coalesced per tick; see autoCork()
    const sock = await connectTcp(host, port, timeoutS * 1000).catch((e: unknown) => {
      throw e instanceof ConnectionLostError ? e : new ConnectionLostError(`sftp connect ${where}: ${describeError(e)}`, { cause: e });
    });
    autoCork(sock);
    try {
      sftp = await client.connect({
        sock, host, port, username, password,
        privateKey: key?.key, passphrase: details.passphrase,
        agent: !key && !password ? process.env.SSH_AUTH_SOCK : undefined,
        readyTimeout: timeoutS * 1000,
        keepaliveInterval: KEEPALIVE_S * 1000, keepaliveCountMax: 3,
        algorithms: { serverHostKey: algos as never },
        hostVerifier: (hostKey: Buffer): boolean => {
          verdict = checkHostKey(known, host, port, hostKey);
          return verdict === 'ok' || (verdict === 'unknown' && acceptUnknown);
        },
      });
    } catch (e: unknown) {
      await client.end().catch(() => undefined);
      sock.destroy();
      const name = knownHostName(host, port);
      if (verdict === 'mismatch' || verdict === 'revoked') {
        throw new TransientError(`sftp ${where}: host key for ${name} does not match ${khFiles.join(' or ')}` +
          `${verdict === 'revoked' ? ' (key is @revoked)' : ''}: refusing to connect (possible man-in-the-middle)`, { code: 'ERR_HOST_KEY', cause: e });
      }
      if (verdict === 'unknown' && !acceptUnknown) {
        throw new TransientError(`sftp ${where}: host ${name} is not in ${khFiles.join(' or ')}: add its key ` +
          `(ssh-keyscan -p ${port} ${host}) or set StrictHostKeyChecking=no in credentials.conf`, { code: 'ERR_HOST_KEY', cause: e });
      }
      const m = describeError(e);
      if (/authentication methods failed|auth/i.test(m) && verdict !== undefined) {
        throw new TransientError(`sftp ${where}: authentication failed (${key ? `key ${key.file}` : 'no key'}` +
          `${password ? ', password' : ''}): ${m}`, { code: 'ERR_AUTH', cause: e });
      }
      const c = classifyError(e, `sftp connect ${where}`);
      throw c instanceof TransientError ? c : new ConnectionLostError(`sftp connect ${where}: ${m}`, { cause: e });
    }
    ref.t = new SftpTransfer(client, sftp, where, (opts.timeout ?? 300) * 1000, sock);
    return ref.t;
  },
};
