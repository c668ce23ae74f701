// Per-origin back-off: an origin whose transfers stall (deadline, timeout) rests instead of taking transfer slots.
import type { Logger } from '@sarra/common';

/** First rest of a stalling origin, ms; doubled each time its probe stalls again. */
const FIRST_MS = 5_000;
/** Longest rest, ms. */
const MAX_MS = 300_000;
/** Error codes that say "the origin did not answer in time" (transfer drivers, the engine's deadline). */
const STALL_CODES = new Set(['ERR_DEADLINE', 'ERR_TIMEOUT', 'ETIMEDOUT']);
const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443', 'sftp:': '22', 'ftp:': '21', 'ftps:': '990' };

/** `scheme://host:port` of a baseUrl (default port filled in, user and path dropped); the text itself when it does not parse. */
export function originOf(baseUrl: string): string {
  try {
    const u = new URL(baseUrl);
    if (!u.host) return `${u.protocol}//`;
    return `${u.protocol}//${u.hostname.toLowerCase()}:${u.port || DEFAULT_PORTS[u.protocol] || ''}`;
  } catch {
    return baseUrl;
  }
}

/** True when `err` or one of its causes is a timeout: the engine's deadline, no data for `timeout`, a connect timeout. */
export function isStall(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && STALL_CODES.has(code)) return true;
  }
  return false;
}

/** What the back-off says about a transfer from an origin: go, go as the one probe of a resting origin, or wait. */
export type Admission = 'run' | 'probe' | 'defer';

/** How an admitted transfer ended, as far as its origin is concerned. */
export type OriginResult = 'ok' | 'stalled' | 'other';

interface Rest {
  delayMs: number;
  until: number;
  probing: boolean;
  deferred: number;
}

/**
 * Origins that stalled. The first stall (deadline exceeded or a timeout) makes an origin rest FIRST_MS (5 s):
 * meanwhile its notices are deferred (the engine puts them in the retry queue without a transfer slot). When
 * the rest is over, one transfer runs as a probe while the others still wait: a probe that stalls doubles the
 * rest (capped at MAX_MS, 5 min), anything else ends it, as does any successful transfer from the origin.
 * Logged once per rest (entered, doubled, over), never per notice.
 */
export class OriginBackoff {
  private readonly rests = new Map<string, Rest>();

  /** @param now clock in ms (tests) */
  constructor(private readonly log: Logger, private readonly now: () => number = Date.now) {}

  /**
   * Whether a transfer from `origin` may run: 'defer' while the origin rests or its probe runs. Once the rest
   * is over, `start` false (scheduling) says 'run' without taking the probe; `start` true (a slot is about to
   * run it) hands out the single probe (the others are deferred until it ends).
   */
  admit(origin: string, start: boolean): Admission {
    const r = this.rests.get(origin);
    if (!r) return 'run';
    if (r.probing || this.now() < r.until) {
      r.deferred++;
      return 'defer';
    }
    if (!start) return 'run';
    r.probing = true;
    return 'probe';
  }

  /** Records how a transfer admitted as `admission` ended; `reason` says why it stalled (logged). */
  settle(origin: string, admission: Admission, result: OriginResult, reason = ''): void {
    const r = this.rests.get(origin);
    if (result === 'stalled') {
      // a stall of a transfer started before the rest began says nothing new: only the probe doubles it
      if (r && admission !== 'probe') return;
      const delayMs = r ? Math.min(r.delayMs * 2, MAX_MS) : FIRST_MS;
      this.rests.set(origin, { delayMs, until: this.now() + delayMs, probing: false, deferred: r?.deferred ?? 0 });
      this.log.warning(`origin ${origin} backed off ${delayMs / 1000} s: ${reason}; its notices wait in the retry queue meanwhile`);
      return;
    }
    if (!r) return;
    if (result === 'ok' || admission === 'probe') {
      this.rests.delete(origin);
      this.log.info(`origin ${origin} answers again: back-off over (${r.deferred} notice(s) were deferred)`);
    }
  }

  /** When the first rest still running (probe not out yet) ends, ms since epoch; undefined when none. */
  nextEnd(): number | undefined {
    let end: number | undefined;
    for (const r of this.rests.values()) if (!r.probing && (end === undefined || r.until < end)) end = r.until;
    return end;
  }
}
