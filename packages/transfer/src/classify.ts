// Maps low-level errors (errno codes, SFTP status codes, HTTP statuses) onto the sarra error tree,
// so every driver tells the engine the same thing: retry later, or give up on this message.
import { ConnectionLostError, PermanentError, SarraError, TransientError, describeError } from '@sarra/common';

/** errno codes that mean the peer or the network went away: reconnect and retry. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH',
  'ENETDOWN', 'EHOSTDOWN', 'ENOTCONN', 'EAI_AGAIN', 'ERR_SOCKET_CLOSED', 'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);
/** errno codes that may clear up by themselves (full disk, too many files open): retry later. */
const TRANSIENT_CODES = new Set(['ENOSPC', 'EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EIO', 'EDQUOT', 'ESTALE', 'ENOTFOUND']);

/** OpenSSL / node TLS verification failures (DEPTH_ZERO_SELF_SIGNED_CERT, CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID, ...). */
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_(GET_ISSUER_CERT|VERIFY_LEAF_SIGNATURE))/;

/** SFTP status codes (draft-ietf-secsh-filexfer-02 section 7). */
export const SFTP_STATUS = {
  EOF: 1, NO_SUCH_FILE: 2, PERMISSION_DENIED: 3, FAILURE: 4, BAD_MESSAGE: 5, NO_CONNECTION: 6,
  CONNECTION_LOST: 7, OP_UNSUPPORTED: 8,
} as const;

/**
 * Classifies any thrown value from a transfer into a SarraError. Already-classified errors pass through.
 * - missing file (ENOENT, SFTP NO_SUCH_FILE) -> PermanentError code ERR_NOT_FOUND, reportCode 404
 * - permission/type problems (EACCES, EISDIR, SFTP PERMISSION_DENIED, ...) -> PermanentError reportCode 499
 * - connection loss (ECONNRESET, SFTP CONNECTION_LOST, "No response from server") -> ConnectionLostError
 * - TLS certificate verification failures -> TransientError code ERR_TLS
 * - anything else -> TransientError (sr3 retries failed transfers)
 * @param what short description of the operation, e.g. "get /a/b"; prefixed to the message.
 */
export function classifyError(err: unknown, what: string): SarraError {
  if (err instanceof SarraError) return err;
  const code = (err as { code?: unknown } | undefined)?.code;
  const msg = `${what}: ${describeError(err)}`;
  if (typeof code === 'number') {
    switch (code) {
      case SFTP_STATUS.NO_SUCH_FILE: return new PermanentError(msg, { code: 'ERR_NOT_FOUND', reportCode: 404, cause: err });
      case SFTP_STATUS.PERMISSION_DENIED: return new PermanentError(msg, { code: 'ERR_ACCESS', reportCode: 499, cause: err });
      case SFTP_STATUS.OP_UNSUPPORTED: return new PermanentError(msg, { code: 'ERR_UNSUPPORTED', reportCode: 503, cause: err });
      case SFTP_STATUS.NO_CONNECTION:
      case SFTP_STATUS.CONNECTION_LOST: return new ConnectionLostError(msg, { cause: err });
      default: return new TransientError(msg, { code: 'ERR_TRANSFER', cause: err });
    }
  }
  if (typeof code === 'string') {
    if (code === 'ENOENT') return new PermanentError(msg, { code: 'ERR_NOT_FOUND', reportCode: 404, cause: err });
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      return new PermanentError(msg, { code: 'ERR_ACCESS', reportCode: 499, cause: err });
    }
    if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST' || code === 'ENOTEMPTY' || code === 'ELOOP' ||
        code === 'ENAMETOOLONG' || code === 'EINVAL') {
      return new PermanentError(msg, { code: 'ERR_FS', reportCode: 499, cause: err });
    }
    if (TLS_CODES.test(code)) {
      // a certificate the node trust store rejects: an operator must act, but the data should wait, not be dropped
      return new TransientError(`${msg} (TLS certificate check failed; tlsRigour lax accepts such a server)`, { code: 'ERR_TLS', cause: err });
    }
    if (CONNECTION_CODES.has(code)) return new ConnectionLostError(msg, { cause: err });
    if (TRANSIENT_CODES.has(code)) return new TransientError(msg, { code: 'ERR_TRANSFER', cause: err });
  }
  // ssh2 reports a dead channel with plain messages and no code
  if (/No response from server|Not connected|Channel (closed|open failure)|socket hang up/i.test(describeError(err))) {
    return new ConnectionLostError(msg, { cause: err });
  }
  if ((err as { name?: unknown } | undefined)?.name === 'AbortError') {
    return new TransientError(msg, { code: 'ERR_ABORTED', cause: err });
  }
  return new TransientError(msg, { code: 'ERR_TRANSFER', cause: err });
}

/** The PermanentError every driver throws for an operation its protocol cannot do. reportCode 503. */
export function unsupported(scheme: string, op: string): PermanentError {
  return new PermanentError(`${scheme}: ${op} is not supported`, { code: 'ERR_UNSUPPORTED', reportCode: 503 });
}
