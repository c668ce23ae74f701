// sr3's tlsRigour as node:tls client options: one definition for amqps brokers and https transfers.
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';

/** How hard a TLS client checks the server (sr3 `tlsRigour`; sr3's documentation calls `normal` "medium"). */
export type TlsRigour = 'lax' | 'normal' | 'strict';

/** The TLS client options a tlsRigour sets (spread into tls.connect / https.Agent options). */
export type TlsClientOptions = Pick<ConnectionOptions, 'rejectUnauthorized' | 'checkServerIdentity' | 'minVersion'>;

/**
 * The tls.connect options for a tlsRigour, as sr3 builds its SSL context (sarracenia/transfer/https.py):
 * - `lax`: no certificate chain check and no host name check (an expired or self-signed certificate, or one for
 *   another name, is accepted), so a site that must be reached anyway can be;
 * - `normal` (default; `medium` in sr3's documentation): node's defaults, which are Python's
 *   `ssl.create_default_context()`: chain and host name checked against the CA store (plus NODE_EXTRA_CA_CERTS);
 * - `strict`: chain and host name always checked and TLS 1.2 or later only, whatever process-wide settings say
 *   (NODE_TLS_REJECT_UNAUTHORIZED=0, --tls-min-v1.0 do not weaken it), as sr3 disables TLS 1.0 and 1.1.
 * Unknown values are read as `normal` (the option table refuses them first).
 */
export function tlsOptions(rigour: string | undefined): TlsClientOptions {
  switch (rigour) {
    case 'lax':
      return { rejectUnauthorized: false, checkServerIdentity: () => undefined };
    case 'strict':
      return { rejectUnauthorized: true, checkServerIdentity, minVersion: 'TLSv1.2' };
    default:
      return {};
  }
}
