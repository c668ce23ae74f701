// The status page's HTML, charts and rate history, from fixtures: untrusted names and log lines come out as text.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { rateChart } from '../src/chart.js';
import type { ConfigDetail } from '../src/detail.js';
import { detailHref, detailPage, PAGE_CSP, statusPage } from '../src/page.js';
import { RateHistory, RATE_WINDOW_MS } from '../src/rates.js';
import { deriveStatus, DEFAULT_THRESHOLDS, type ConfigStatus } from '../src/state.js';

const NOW = 1_700_000_000_000;
const EVIL = '<img src=x onerror=alert(1)>"\'&';

function status(over: Partial<ConfigStatus> = {}): ConfigStatus {
  const s = deriveStatus({ component: 'subscribe', config: EVIL, expected: 1, disabled: false, housekeeping: 300, thresholds: DEFAULT_THRESHOLDS,
    pidFiles: [{ instance: 1, pid: 42, alive: true }], metrics: [], logMtimeMs: NOW, usage: [] }, NOW);
  return { ...s, ...over };
}

test('rates: increase over the time between metrics writes; a write seen twice adds nothing; a restart counts from 0', () => {
  const h = new RateHistory();
  h.add('a/b', { t: NOW, received: 100, bytes: 1000 });
  assert.deepEqual(h.series('a/b', NOW), [], 'one sample is no rate yet');
  h.add('a/b', { t: NOW + 10_000, received: 150, bytes: 6000 });
  h.add('a/b', { t: NOW + 10_000, received: 150, bytes: 6000 });
  h.add('a/b', { t: NOW + 20_000, received: 20, bytes: 0 });
  assert.deepEqual(h.series('a/b', NOW + 20_000), [{ t: NOW + 10_000, messages: 5, bytes: 500 }, { t: NOW + 20_000, messages: 2, bytes: 0 }]);
  // an hour later the old points are gone from the chart, and a configuration no longer served is forgotten
  assert.equal(h.series('a/b', NOW + 20_000 + RATE_WINDOW_MS).length, 1);
  h.add('a/b', { t: NOW + 2 * RATE_WINDOW_MS, received: 30, bytes: 0 });
  assert.equal(h.series('a/b', NOW + 2 * RATE_WINDOW_MS).length, 1);
  h.keep(new Set(['x/y']));
  h.add('a/b', { t: NOW + 3 * RATE_WINDOW_MS, received: 40, bytes: 0 });
  assert.deepEqual(h.series('a/b', NOW + 3 * RATE_WINDOW_MS), []);
});

test('chart: a line scaled to its peak over the span shown, or a frame saying there is nothing yet', () => {
  const svg = rateChart([[NOW - 20_000, 2], [NOW - 10_000, 8]], NOW, { width: 200, height: 40, unit: 'msg/s', label: EVIL, since: NOW - 30_000 });
  assert.match(svg, /<polyline class="line" points="[\d. ,]+"\/>/);
  assert.match(svg, /peak 8\.0 msg\/s/);
  assert.match(svg, /last 30 s/);
  assert.match(svg, /data-points="2"/);
  assert.doesNotMatch(svg, /<img/);
  const empty = rateChart([], NOW, { width: 200, height: 40, unit: 'B/s', label: 'x', since: NOW - 2 * RATE_WINDOW_MS });
  assert.match(empty, /no samples yet/);
  assert.doesNotMatch(empty, /polyline/);
  assert.match(rateChart([[NOW, 1500]], NOW, { width: 9, height: 9, unit: 'B/s', label: 'x', since: 0 }), /peak 1\.5k B\/s[\s\S]*last hour/);
});

test('status page: names, alerts and failures escaped; the link encodes the name; the one script allowed by hash', () => {
  const html = statusPage([status({ alerts: [`lag ${EVIL}`], failed: { instance: 1, reason: `refused ${EVIL}`, time: NOW } }), status({ config: 'ok', state: 'hung' })],
    () => [{ t: NOW - 5000, messages: 3, bytes: 30 }], NOW - 60_000, NOW, 2);
  assert.doesNotMatch(html, /<img/);
  assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;&quot;&#39;&amp;/);
  assert.match(html, /<tr class="alert"><td colspan="13">⚠ lag &lt;img/);
  assert.match(html, /⚠ fail: refused &lt;img/);
  assert.ok(html.includes(`href="${detailHref({ component: 'subscribe', config: EVIL }).replace(/&/g, '&amp;').replace(/'/g, '&#39;')}"`));
  assert.match(detailHref({ component: 'subscribe', config: 'a b/c' }), /^\/config\/subscribe\/a%20b%2Fc$/);
  assert.match(html, /<span class="state bad" title="log and metrics silent">hung<\/span>/);
  assert.match(html, /2 stray processes/);
  const script = /<script>([\s\S]*)<\/script>/.exec(html)![1]!;
  assert.ok(PAGE_CSP.includes(`'sha256-${createHash('sha256').update(script).digest('base64')}'`));
  assert.match(statusPage([], () => [], NOW, NOW, 0), /no configurations/);
});

test('detail view: options, errors and log lines are text, retry depth per instance, no log said so', () => {
  const d: ConfigDetail = { status: status({ alerts: [EVIL] }), options: `reject: .*/${EVIL}`, errors: [`rejected: 404 ${EVIL}`],
    retry: [{ instance: 1, download: 3, post: 1 }], logs: [{ instance: 1, file: `/x/${EVIL}.log`, lines: [`[INFO] ${EVIL}`, '<script>alert(1)</script>'] }] };
  const html = detailPage(d, [], NOW - 1000, NOW);
  assert.doesNotMatch(html, /<img|<script>alert/);
  assert.match(html, /instance 1: 3 download, 1 post/);
  assert.match(html, /<pre class="options">reject: \.\*\/&lt;img/);
  assert.match(html, /<pre class="log">\[INFO\] &lt;img[\s\S]*&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/pre>/);
  assert.match(html, /<li>rejected: 404 &lt;img/);
  const bare = detailPage({ ...d, errors: [], logs: [], retry: [] }, [], NOW, NOW);
  assert.match(bare, /none in the log tails/);
  assert.match(bare, /no log file/);
});
