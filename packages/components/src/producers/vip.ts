// vip: is one of the configured virtual IP addresses held by this host right now?
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
