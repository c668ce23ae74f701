// OpenSSH known_hosts parsing and host key checking (plain, [host]:port and hashed |1|salt|hash
// entries, @revoked markers), so sftp connects only to servers the operator has vouched for.
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export interface KnownHostEntry { patterns: string[]; keyType: string; key: Buffer; marker?: string }

export type HostKeyVerdict = 'ok' | 'mismatch' | 'unknown' | 'revoked';

/** The name known_hosts stores for a host: `host` on port 22, else `[host]:port`. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Parses known_hosts text. Malformed lines and @cert-authority lines are skipped. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(/\s+/);
    let marker: string | undefined;
    if (f[0]!.startsWith('@')) marker = f.shift();
    if (marker === '@cert-authority' || f.length < 3) continue;
    const key = Buffer.from(f[2]!, 'base64');
    if (key.length === 0) continue;
    out.push({ patterns: f[0]!.split(','), keyType: f[1]!, key, marker });
  }
  return out;
}

function globToRegExp(p: string): RegExp {
  return new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return globToRegExp(pattern).test(name);
}

/** Does the entry's host pattern list match `name` (negations `!pat` veto)? */
function entryMatches(e: KnownHostEntry, name: string): boolean {
  let hit = false;
  for (const p of e.patterns) {
    if (p.startsWith('!')) {
      if (patternMatches(p.slice(1), name)) return false;
    } else if (patternMatches(p, name)) hit = true;
  }
  return hit;
}

/**
 * Checks the key blob a server presented (SSH wire format, as ssh2's hostVerifier receives it).
 * 'ok' when an entry for the host has this key; 'revoked' when a @revoked entry has it;
 * 'mismatch' when entries exist for the host but none has this key; 'unknown' when none exist.
 */
export function checkHostKey(entries: KnownHostEntry[], host: string, port: number, key: Buffer): HostKeyVerdict {
  const names = [knownHostName(host, port)];
  let seen = false;
  let ok = false;
  for (const e of entries) {
    if (!names.some((n) => entryMatches(e, n))) continue;
    if (e.marker === '@revoked') {
      if (e.key.equals(key)) return 'revoked';
      continue;
    }
    seen = true;
    if (e.key.equals(key)) ok = true;
  }
  return ok ? 'ok' : seen ? 'mismatch' : 'unknown';
}

/** Key types known for a host (to ask the server for one of those first). */
export function knownKeyTypes(entries: KnownHostEntry[], host: string, port: number): string[] {
  const name = knownHostName(host, port);
  return [...new Set(entries.filter((e) => e.marker === undefined && entryMatches(e, name)).map((e) => e.keyType))];
}

/** Reads and parses the files that exist among `files` (missing ones are skipped). */
export async function loadKnownHosts(files: string[]): Promise<KnownHostEntry[]> {
  const all: KnownHostEntry[] = [];
  for (const f of files) {
    try {
      all.push(...parseKnownHosts(await readFile(f, 'utf8')));
    } catch (e: unknown) {
      if ((e as { code?: unknown }).code !== 'ENOENT') throw e;
    }
  }
  return all;
}
