// vip: is one of the configured virtual IP addresses held by this host right now? And the `.noVip` marker that shows it.
import { open, unlink } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';

/** Every address configured on this host's interfaces (IPv4 and IPv6, loopback included). */
export function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) out.add(a.address.replace(/%.*$/, '').toLowerCase());
  }
  return out;
}

/**
 * True when no vip is configured (always active) or when any listed address is on this host.
 * Pure when `addresses` is given (tests); never contacts the addresses, only compares them.
 */
export function holdsVip(vips: string[], addresses: Set<string> = localAddresses()): boolean {
  if (!vips.length) return true;
  return vips.some((v) => addresses.has(v.trim().replace(/^\[|\]$/g, '').toLowerCase()));
}

/**
 * Whether an instance with `vip` is active, shown as sr3 does: its `.noVip` marker (common's noVipFile) is present
 * while it is passive and gone while active or stopped (`sr status` shows wVip). Without a file, the state alone.
 */
export class VipState {
  private state?: boolean;

  constructor(private readonly file?: string) {}

  /** The state last set; undefined before the first. */
  get active(): boolean | undefined { return this.state; }

  /**
   * Sets the state; on a change the marker is written (passive) or removed (active) and true returned. The state is
   * taken only once the marker is written: a write that throws is tried again at the next call.
   */
  async set(active: boolean): Promise<boolean> {
    if (active === this.state) return false;
    if (active) await this.clear();
    else if (this.file) await (await open(this.file, 'w')).close();
    this.state = active;
    return true;
  }

  /** Removes the marker (at stop). */
  async clear(): Promise<void> {
    if (this.file) await unlink(this.file).catch(() => undefined);
  }
}
