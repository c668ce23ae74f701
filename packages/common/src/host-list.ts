// A broker URL naming several nodes of one cluster: `amqp://user@h1:5673,h2:5674,h3/vhost` (issue 17, COMPAT §1).

/**
 * The single-host URLs of a URL whose authority lists several hosts separated by commas, each with its own
 * optional port, in the order written; user info, path and query are repeated on each. A URL naming one host
 * (or that is not `scheme://...`) gives `[url]`. An empty entry (`h1,,h2`) is kept as a URL without a host, so
 * the URL parser refuses it rather than it being skipped.
 */
export function splitHostList(url: string): string[] {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(url);
  if (!m) return [url];
  const authority = m[2]!;
  const at = authority.lastIndexOf('@');
  const hosts = authority.slice(at + 1).split(',');
  if (hosts.length === 1) return [url];
  const userinfo = authority.slice(0, at + 1);
  return hosts.map((h) => `${m[1]}${userinfo}${h.trim()}${m[3]}`);
}
