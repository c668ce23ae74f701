// The one Transfer interface every data driver (file, http(s), sftp) implements.
import type { Readable } from 'node:stream';

/** One entry of a remote directory listing. Times in ms since the epoch. */
export interface RemoteEntry {
  name: string;
  size: number;
  mtime: number;
  isDir: boolean;
  isLink?: boolean;
  mode?: number;
}

export interface TransferOptions {
  /** Per-operation network timeout in seconds. @default 300 */
  timeout?: number;
  /** Extra per-URL details from credentials.conf (ssh_keyfile, bearer_token, ...). */
  details?: Record<string, string>;
  /** https: how the server's certificate is checked (sr3 `tlsRigour`: lax, normal, strict; see tlsOptions). @default 'normal' */
  tlsRigour?: string;
  signal?: AbortSignal;
}

/**
 * A connection to one remote (scheme://user@host:port). Paths are remote paths (for http, URL paths).
 * Errors: TransientError (retry later: connection refused, 5xx, timeout) or PermanentError
 * (reportCode 404 etc.: never works for this message).
 */
export interface GetOptions {
  offset?: number;
  signal?: AbortSignal;
  /** The size the notice announced (bytes): a driver may read a big body more efficiently (http: raw socket). */
  sizeHint?: number;
  /** Where a driver that can may put body bytes straight from the socket (no copy); others ignore it. */
  into?: ReadTarget;
}

/**
 * Buffers a driver may read a body straight into. A driver that uses it emits no 'data' events for those
 * bytes (the stream still ends or errors as usual); one that does not simply ignores it.
 */
export interface ReadTarget {
  /** The free space the next read lands in (never empty). */
  space(): Uint8Array;
  /** `n` bytes landed at the start of the last space(). false: stop reading until `resume` is called. */
  landed(n: number): boolean;
  /** Set by the driver that uses the target: starts reading again after landed() returned false. */
  resume?: () => void;
}

export interface Transfer {
  readonly scheme: string;
  /** False once the connection is known to be gone (sftp); the pool then reconnects. Absent = always usable. */
  readonly alive?: boolean;
  /**
   * Open a stream of the remote file, from byte `offset`. `sizeHint` and `into` are hints a driver may use
   * to read a big body more efficiently (http: raw socket, straight into `into`); others ignore them.
   */
  getStream(path: string, opts?: GetOptions): Promise<Readable>;
  /** Write a stream to the remote path (creating or truncating it). */
  putStream(path: string, data: Readable, opts?: { signal?: AbortSignal }): Promise<void>;
  stat(path: string): Promise<RemoteEntry | undefined>;
  list(dir: string): Promise<RemoteEntry[]>;
  mkdirp(dir: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  symlink(target: string, path: string): Promise<void>;
  close(): Promise<void>;
}
