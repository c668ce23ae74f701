// Keeps one open Transfer per remote (scheme://user@host:port) for reuse across a batch, shares
// a connect in progress, and forgets a connection after a loss so the next get() reconnects.
import type { Transfer, TransferOptions } from './types.js';
import { openTransfer, parseTransferUrl } from './registry.js';

/** What TransferPool needs from @sarra/config's Credentials. */
export interface CredentialLookup {
  lookup(url: string): { url: string; details: Record<string, string> } | undefined;
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443', 'sftp:': '22' };

/** The pool key of a URL: scheme://user@host:port with the default port filled in (path, password, query ignored). */
export function poolKey(url: string): string {
  const u = parseTransferUrl(url);
  return `${u.protocol}//${decodeURIComponent(u.username)}@${u.hostname.toLowerCase()}:${u.port || DEFAULT_PORTS[u.protocol] || ''}`;
}

/**
 * One open Transfer per remote. get() looks up credentials (password and details such as ssh_keyfile,
 * bearer_token) for the URL, opens the driver on first use, and returns the same Transfer afterwards;
 * concurrent get()s for one remote share one connect. A failed connect is not cached.
 * After a ConnectionLostError, call drop(url) so the next get() reconnects; a Transfer that reports
 * `alive === false` (sftp) is also replaced on the next get() without a drop().
 */
export class TransferPool {
  private readonly open = new Map<string, Promise<Transfer>>();
  /** Transfers whose open has resolved, to notice a dead one (alive === false) on the next get(). */
  private readonly ready = new Map<string, Transfer>();
  constructor(private readonly opts: TransferOptions & { credentials?: CredentialLookup } = {}) {}

  /** @throws whatever openTransfer throws (PermanentError 503 for unknown schemes, TransientError when unreachable). */
  get(url: string): Promise<Transfer> {
    const key = poolKey(url);
    let p = this.open.get(key);
    const held = this.ready.get(key);
    if (p && held && held.alive === false) {
      // the connection died since last use: release it and reconnect without waiting for drop()
      this.open.delete(key);
      this.ready.delete(key);
      held.close().catch(() => undefined);
      p = undefined;
    }
    if (!p) {
      const found = this.opts.credentials?.lookup(url);
      const { credentials: _c, ...base } = this.opts;
      const details = { ...(base.details ?? {}), ...(found?.details ?? {}) };
      p = openTransfer(found?.url ?? url, { ...base, details });
      const mine = p;
      this.open.set(key, mine);
      mine.then((t) => { if (this.open.get(key) === mine) this.ready.set(key, t); },
        () => { if (this.open.get(key) === mine) this.open.delete(key); });
    }
    return p;
  }

  /** Forgets and closes the Transfer for this remote (if any); close errors are ignored. */
  async drop(url: string): Promise<void> {
    const key = poolKey(url);
    const p = this.open.get(key);
    if (!p) return;
    this.open.delete(key);
    this.ready.delete(key);
    try {
      await (await p).close();
    } catch {
      // the connection is already gone: nothing more to release
    }
  }

  /** Closes every open Transfer. */
  async closeAll(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    this.ready.clear();
    await Promise.allSettled(all.map(async (p) => (await p).close()));
  }

  /** Number of remotes currently held (open or connecting). */
  get size(): number {
    return this.open.size;
  }
}
