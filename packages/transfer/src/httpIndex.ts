// Parses HTML directory index pages (nginx autoindex, Apache mod_autoindex in <pre> or <table> form)
// into RemoteEntry rows for polling an http(s) source.
import type { RemoteEntry } from './types.js';

const MONTHS: Record<string, number> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};

/** Dates the index pages print: 22-Nov-2026 02:20[:33] (nginx, old Apache) and 2026-11-22 02:20[:33] (Apache). */
const DATE_RE = /(\d{1,2})-([A-Za-z]{3})-(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?|(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?/;
/** A size after the date: bytes, or Apache's 1.2K / 4.5M / 3G, or '-' for a directory. */
const SIZE_RE = /^\s*(\d+(?:\.\d+)?)\s*([KMGTP]?)i?B?\b|^\s*-/i;

const UNIT: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5 };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|nbsp);/gi, (m, e: string) => {
    const k = e.toLowerCase();
    if (k === 'amp') return '&';
    if (k === 'lt') return '<';
    if (k === 'gt') return '>';
    if (k === 'quot') return '"';
    if (k === 'apos') return "'";
    if (k === 'nbsp') return ' ';
    const cp = k.startsWith('#x') ? parseInt(k.slice(2), 16) : parseInt(k.slice(1), 10);
    return Number.isFinite(cp) && cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
  });
}

function parseDate(m: RegExpExecArray): number {
  if (m[1] !== undefined) {
    const mon = MONTHS[m[2]!.toLowerCase()];
    if (mon === undefined) return 0;
    return Date.UTC(Number(m[3]), mon, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  }
  return Date.UTC(Number(m[7]), Number(m[8]) - 1, Number(m[9]), Number(m[10]), Number(m[11]), Number(m[12] ?? 0));
}

/**
 * Entries of an index page. Names come from the href (percent-decoded), so nginx's truncated
 * display names do not matter; a trailing '/' marks a directory. Parent, sort (?C=N;O=D), absolute
 * and off-site links are skipped. mtime: ms since the epoch read as UTC (nginx with
 * `autoindex_localtime off` prints UTC; Apache prints server-local time, taken as UTC), minute
 * resolution unless seconds are shown; 0 when the page has no date. size: bytes with
 * `autoindex_exact_size on`, else rounded from K/M/G units; 0 for directories and unknown.
 */
export function parseIndexPage(html: string): RemoteEntry[] {
  const out: RemoteEntry[] = [];
  const seen = new Set<string>();
  const linkRe = /<a\s[^>]*?href\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))[^>]*>[\s\S]*?<\/a>/gi;
  const links: { href: string; end: number; start: number }[] = [];
  for (let m = linkRe.exec(html); m; m = linkRe.exec(html)) {
    links.push({ href: decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''), start: m.index, end: m.index + m[0].length });
  }
  for (let i = 0; i < links.length; i++) {
    const { href, end } = links[i]!;
    if (href === '' || /^[?#/]/.test(href) || /^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('..')) continue;
    let raw = href.replace(/[?#].*$/, '');
    if (raw.startsWith('./')) raw = raw.slice(2);
    const isDir = raw.endsWith('/');
    if (isDir) raw = raw.slice(0, -1);
    let name: string;
    try {
      name = decodeURIComponent(raw);
    } catch {
      continue; // a malformed escape is not an entry we can fetch
    }
    if (name === '' || name === '.' || name.includes('/') || seen.has(name)) continue;
    seen.add(name);
    // columns after the link, up to the next link or end of line/row
    const stop = Math.min(i + 1 < links.length ? links[i + 1]!.start : html.length, nextLineEnd(html, end));
    const tail = decodeEntities(html.slice(end, stop).replace(/<[^>]*>/g, ' '));
    let mtime = 0, size = 0;
    const dm = DATE_RE.exec(tail);
    if (dm) {
      mtime = parseDate(dm);
      const sm = SIZE_RE.exec(tail.slice(dm.index + dm[0].length));
      if (sm && sm[1] !== undefined) size = Math.round(Number(sm[1]) * (UNIT[(sm[2] ?? '').toUpperCase()] ?? 1));
    }
    out.push({ name, size: isDir ? 0 : size, mtime, isDir });
  }
  return out;
}

/** End of the row holding position `from`: a newline, or </tr> for table layouts on one line. */
function nextLineEnd(html: string, from: number): number {
  const nl = html.indexOf('\n', from);
  const tr = html.slice(from, nl < 0 ? undefined : nl).search(/<\/tr>/i);
  if (tr >= 0) return from + tr;
  return nl < 0 ? html.length : nl;
}
