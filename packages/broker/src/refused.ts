// The broker refused us at connect (403 login, 530 vhost): permanent for this configuration, never retried at start.
import { SarraError } from '@sarra/common';

/**
 * The broker answered the AMQP handshake with 403 ACCESS-REFUSED (wrong password, unknown user) or 530 NOT-ALLOWED
 * (vhost missing or not permitted). Retrying with the same options cannot succeed: thrown at once by
 * connectWithRetry (unless `retryRefused`), so an instance stops instead of retrying forever.
 * code: `ERR_BROKER_REFUSED`.
 */
export class BrokerRefusedError extends SarraError {
  /** The AMQP reply code: 403 (login) or 530 (vhost). */
  readonly replyCode: number;
  /** The user name the broker refused. */
  readonly user: string;
  /** The broker address without password, `amqp://user@host:port/vhost`. */
  readonly broker: string;
  constructor(replyCode: number, user: string, broker: string, options?: { cause?: unknown }) {
    const what = replyCode === 403
      ? `refused the login of user '${user}' (403 ACCESS-REFUSED: wrong password or unknown user)`
      : `refused user '${user}' the vhost (530 NOT-ALLOWED: no such vhost, or no permission on it)`;
    super('ERR_BROKER_REFUSED', `broker ${broker} ${what}`, options);
    this.replyCode = replyCode;
    this.user = user;
    this.broker = broker;
  }
}

/**
 * For a BrokerRefusedError: its message and what to check, in one line: for a login (403) where the password comes
 * from (`credentials.explain`, i.e. credentials.conf's line for the user, or that it has none), for a vhost (530) the
 * broker administrator. undefined for any other error.
 */
export function explainRefusal(err: unknown, credentials: { explain(url: string): string }): string | undefined {
  if (!(err instanceof BrokerRefusedError)) return undefined;
  const hint = err.replyCode === 403 ? credentials.explain(err.broker) : 'ask the broker administrator for the vhost and the permissions on it';
  return `${err.message}; ${hint}`;
}

/**
 * The reply code of an amqplib handshake refusal, if the error is one: `Handshake terminated by server: 403
 * (ACCESS-REFUSED) ...` after the login; amqplib words a close in answer to connection.open (RabbitMQ's 530 for a
 * vhost) only as `Expected ConnectionOpenOk; got <ConnectionClose ...>`.
 */
export function refusalCode(err: unknown): 403 | 530 | undefined {
  if (!(err instanceof Error)) return undefined;
  const m = /^Handshake terminated by server: (403|530) /.exec(err.message);
  if (m) return Number(m[1]) as 403 | 530;
  return /^Expected ConnectionOpenOk; got <ConnectionClose/.test(err.message) ? 530 : undefined;
}
