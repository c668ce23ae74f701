// Inline SVG line charts of a rate over the last hour, drawn by the server (no script, no library).
import { RATE_WINDOW_MS } from './rates.js';

/** Text safe in HTML element content and in double-quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A compact figure for an axis label: 1234 -> "1.2k". */
function short(v: number): string {
  if (v >= 1e9) return `${(v / 1e9).toFixed(1)}G`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return v >= 10 || v === 0 ? v.toFixed(0) : v.toFixed(1);
}

/** How long a span is, for the chart's caption: "last hour", "last 12 min", "last 40 s". */
function span(ms: number): string {
  if (ms >= RATE_WINDOW_MS) return 'last hour';
  return ms >= 120_000 ? `last ${Math.round(ms / 60_000)} min` : `last ${Math.max(1, Math.round(ms / 1000))} s`;
}

/**
 * An SVG chart of `points` ([ms, value]) over the hour before `now`, or since `since` (the server's first sample) when
 * that is later: the line, the area under it, the peak and `unit`, the span; `label` is the accessible name. Without
 * points, an empty frame saying so.
 */
export function rateChart(points: [number, number][], now: number,
  opts: { width: number; height: number; unit: string; label: string; since: number }): string {
  const { width: w, height: h } = opts;
  const pad = 2, top = 12;
  const from = Math.max(now - RATE_WINDOW_MS, Math.min(opts.since, now - 1000));
  const peak = Math.max(0, ...points.map(([, v]) => v));
  const x = (t: number): number => pad + (Math.max(0, t - from) / (now - from)) * (w - 2 * pad);
  const y = (v: number): number => h - pad - (peak > 0 ? (v / peak) * (h - top - pad) : 0);
  const head = `<svg class="chart" role="img" aria-label="${escapeHtml(opts.label)}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"` +
    ` data-points="${points.length}">`;
  const frame = `<rect x="0.5" y="0.5" width="${w - 1}" height="${h - 1}" class="frame"/>`;
  if (!points.length) return `${head}${frame}<text x="${w / 2}" y="${h / 2 + 4}" class="none">no samples yet</text></svg>`;
  const line = points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const first = points[0]!, last = points.at(-1)!;
  const area = `${x(first[0]).toFixed(1)},${h - pad} ${line} ${x(last[0]).toFixed(1)},${h - pad}`;
  return `${head}${frame}<polygon class="area" points="${area}"/><polyline class="line" points="${line}"/>` +
    `<text x="4" y="10" class="axis">peak ${short(peak)} ${escapeHtml(opts.unit)}</text>` +
    `<text x="${w / 2}" y="10" class="axis none">${span(now - from)}</text>` +
    `<text x="${w - 4}" y="10" class="axis end">now ${short(last[1])}</text></svg>`;
}
