// The receiver's allow-list of signer DNs (SSM's `dns` file): one OpenSSL slash-form DN a line, `#` comments.
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';

/** The parsed allow-list and the lines that were not DNs (SSM logs and skips them). */
export interface DnList {
  dns: Set<string>;
  skipped: { line: number; text: string }[];
}

/**
 * Parses a dns file. Blank and `#` lines are skipped; a DN must start with `/` (as SSM requires);
 * other lines are reported in `skipped`. No DN at all is a ConfigError (SSM refuses to start too).
 */
export function parseDns(text: string, file: string): DnList {
  const dns = new Set<string>();
  const skipped: DnList['skipped'] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) return;
    if (t.startsWith('/')) dns.add(t);
    else skipped.push({ line: i + 1, text: t });
  });
  if (dns.size === 0) throw new ConfigError('no valid DN (a line starting with /) in the allow-list', { file });
  return { dns, skipped };
}

/** Reads and parses the dns file; the receiver calls it at start and every 10 minutes, as SSM does. */
export async function loadDns(file: string): Promise<DnList> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err: unknown) {
    throw new ConfigError(`cannot read DN list: ${(err as Error).message}`, { file, cause: err });
  }
  return parseDns(text, file);
}
