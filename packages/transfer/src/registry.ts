// The scheme -> driver registry. Drivers are loaded on first use (dynamic import) so an instance
// only pays for the protocols its configuration names (DESIGN.md, Memory).
import { PermanentError, redact } from '@sarra/common';
import type { Transfer, TransferOptions } from './types.js';

/** What a driver module exports as `driver`. `url` has its password (if any) filled in. */
export interface Driver {
  open(url: URL, opts: TransferOptions): Promise<Transfer>;
}

/** One line per protocol. A new protocol is a new file and one line here. */
const DRIVERS = new Map<string, () => Promise<Driver>>([
  ['file', async () => (await import('./file.js')).driver],
  ['ftp', async () => (await import('./ftp.js')).driver],
  ['ftps', async () => (await import('./ftp.js')).driver],
  ['http', async () => (await import('./http.js')).driver],
  ['https', async () => (await import('./http.js')).driver],
  ['sftp', async () => (await import('./sftp.js')).driver],
]);

/** URL schemes openTransfer() accepts, e.g. ['file', 'http', 'https', 'sftp']. */
export function supportedSchemes(): string[] {
  return [...DRIVERS.keys()];
}

/** Parses a transfer URL. @throws PermanentError (reportCode 503) when it does not parse. */
export function parseTransferUrl(url: string): URL {
  try {
    return new URL(url);
  } catch (e: unknown) {
    throw new PermanentError(`not a valid URL: ${redact(url)}`,
      { code: 'ERR_BAD_URL', reportCode: 503, cause: e });
  }
}

/**
 * Opens a connection to the remote named by `url` (credentials already filled in; extra details such as
 * ssh_keyfile or bearer_token in opts.details). For file: and http(s): this is cheap (no I/O); for sftp:
 * it connects and authenticates.
 * @throws PermanentError (reportCode 503, code ERR_UNSUPPORTED) for an unknown scheme;
 *   TransientError / ConnectionLostError when the remote cannot be reached.
 */
export async function openTransfer(url: string, opts: TransferOptions = {}): Promise<Transfer> {
  const u = parseTransferUrl(url);
  const scheme = u.protocol.replace(/:$/, '');
  const load = DRIVERS.get(scheme);
  if (!load) {
    throw new PermanentError(`unsupported transfer scheme '${scheme}' (supported: ${supportedSchemes().join(', ')})`,
      { code: 'ERR_UNSUPPORTED', reportCode: 503 });
  }
  const driver = await load();
  return driver.open(u, opts);
}
