// An instance the broker refuses (403 login, 530 vhost): the reason an operator can act on, and the exit code saying so.
import { explainRefusal } from '@sarra/broker';
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
  const why = explainRefusal(err, o.credentials);
  return why && `${why}; not retried: fix it, then sr start`;
}
