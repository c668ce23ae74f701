// An instance the broker refuses (403 login, 530 vhost): the reason an operator can act on, and the exit code saying so.
import { BrokerRefusedError } from '@sarra/broker';
import type { Options } from '@sarra/config';

/**
 * Exit code of an instance stopped by an error a restart would repeat (sysexits EX_CONFIG): `sr sanity` and systemd
 * (`RestartPreventExitStatus=78`) leave it stopped until the configuration or credentials.conf is fixed.
 */
export const EXIT_REFUSED = 78;

/**
 * For a broker refusal: one line naming the broker, the user, and where the password comes from (credentials.conf,
 * its line, or that it has none); undefined for any other error.
 */
export function refusalReason(err: unknown, o: Options): string | undefined {
  if (!(err instanceof BrokerRefusedError)) return undefined;
  const hint = err.replyCode === 403
    ? o.credentials.explain(err.broker)
    : 'ask the broker administrator for the vhost and the permissions on it';
  return `${err.message}; ${hint}; not retried: fix it, then sr start`;
}
