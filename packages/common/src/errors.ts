// The one error tree of sarra-ts: every error has a stable code and an optional cause,
// and its class says how the caller reacts (fatal at start, retry, reject, reconnect).

/** Base of every error sarra-ts throws. `code` is stable and greppable. */
export class SarraError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A configuration problem: fatal at start. Carries `file:line` when known. */
export class ConfigError extends SarraError {
  readonly file?: string;
  readonly line?: number;
  constructor(message: string, where?: { file?: string; line?: number; cause?: unknown }) {
    const prefix = where?.file ? `${where.file}${where.line ? `:${where.line}` : ''}: ` : '';
    super('ERR_CONFIG', prefix + message, { cause: where?.cause });
    this.file = where?.file;
    this.line = where?.line;
  }
}

/** Something that may work later (network hiccup, server busy): retry. */
export class TransientError extends SarraError {
  constructor(message: string, options?: { code?: string; cause?: unknown }) {
    super(options?.code ?? 'ERR_TRANSIENT', message, options);
  }
}

/** Something that will never work for this message (bad path, 404): reject and report. */
export class PermanentError extends SarraError {
  /** sr3 report code (COMPAT section 5), e.g. 404, 417, 422, 499. */
  readonly reportCode: number;
  constructor(message: string, options?: { code?: string; reportCode?: number; cause?: unknown }) {
    super(options?.code ?? 'ERR_PERMANENT', message, options);
    this.reportCode = options?.reportCode ?? 499;
  }
}

/** A malformed message: ack it, count it, log the reason, go on. */
export class MalformedMessageError extends PermanentError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, { code: 'ERR_MALFORMED', reportCode: 417, cause: options?.cause });
  }
}

/** A path from a message that would escape the configured directory. */
export class PathEscapeError extends PermanentError {
  constructor(reason: string) {
    super(reason, { code: 'ERR_PATH_ESCAPE', reportCode: 422 });
  }
}

/** The broker or transfer connection went away: reconnect. */
export class ConnectionLostError extends TransientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { code: 'ERR_CONNECTION_LOST', cause: options?.cause });
  }
}

/** A readable one-line description of any thrown value. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
