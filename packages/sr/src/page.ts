// The HTML of `sr serve`'s status page and detail view: rendered on the server, every configured or logged text escaped.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { escapeHtml as e, rateChart } from './chart.js';
import type { ConfigDetail } from './detail.js';
import type { RatePoint } from './rates.js';
import type { ConfigStatus, RunState } from './state.js';
import { humanAge, humanBytes } from './table.js';

/** How a state looks: ok (green), quiet (grey), warn (amber), bad (red); its meaning for the legend (COMPAT §2). */
const STATES: Record<RunState, [tone: 'ok' | 'quiet' | 'warn' | 'bad', meaning: string]> = {
  run: ['ok', 'running'], fore: ['quiet', 'in the foreground'], stop: ['quiet', 'stopped'], disa: ['quiet', 'disabled'],
  wVip: ['quiet', 'waiting for the vip'], idle: ['quiet', 'nothing transferred lately'], part: ['warn', 'some instances missing'],
  lag: ['warn', 'mean lag above threshold'], slow: ['warn', 'fewer bytes/s than threshold'], cpuS: ['warn', 'fewer messages per CPU s than threshold'],
  rtry: ['warn', 'retry queues above threshold'], reje: ['warn', 'rejecting above threshold'], miss: ['bad', 'no instance running'],
  hung: ['bad', 'log and metrics silent'], fail: ['bad', 'stopped for good: see why'],
};

const CSS = `body{font:14px system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2430}
main{padding:16px 24px}h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:20px 0 8px}.sub{color:#5b6472;margin:0 0 12px}
table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px #0002}th,td{padding:5px 9px;border-bottom:1px solid #e3e6ea;text-align:right;white-space:nowrap}
th{background:#eef1f4;font-weight:600}td.name,th.name{text-align:left}a{color:#1458b8;text-decoration:none}a:hover{text-decoration:underline}
.state{display:inline-block;min-width:3.2em;text-align:center;padding:1px 6px;border-radius:4px;font-weight:600;font-family:monospace}
.ok{background:#d5f2dc;color:#135c26}.quiet{background:#e6e8eb;color:#444c57}.warn{background:#fde8b6;color:#7a4a00}.bad{background:#f9d0cf;color:#8a1411}
tr.alert td{text-align:left;color:#7a4a00;background:#fff8e6;font-size:13px}.chart .frame{fill:#fbfcfd;stroke:#d5d9df}.chart .line{fill:none;stroke:#1f6fd1;stroke-width:1.5}
.chart .area{fill:#1f6fd133}.chart text{font-size:10px;fill:#5b6472}.chart .end{text-anchor:end}.chart .none{text-anchor:middle}
pre{background:#fff;border:1px solid #e3e6ea;padding:8px;overflow:auto;max-height:28em;font-size:12px}.legend span{margin-right:10px}
dl{display:grid;grid-template-columns:max-content auto;gap:3px 14px;background:#fff;padding:10px;border:1px solid #e3e6ea;width:max-content}dt{color:#5b6472}dd{margin:0}
.errors li{font-family:monospace;font-size:12px;margin:2px 0}`;

/** Replaces the page's <main> with a fresh copy every 5 s (no flicker, no scroll jump); the page works without it. */
const SCRIPT = `setInterval(async()=>{try{const r=await fetch(location.href,{cache:'no-store'});if(!r.ok)return;` +
  `const d=new DOMParser().parseFromString(await r.text(),'text/html');const m=d.querySelector('main');` +
  `if(m)document.querySelector('main').replaceWith(m)}catch{}},5000)`;

/** Content-Security-Policy of the pages: nothing but our own inline style and the one script above (by hash). */
export const PAGE_CSP = `default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; connect-src 'self'; ` +
  `script-src 'sha256-${createHash('sha256').update(SCRIPT).digest('base64')}'`;

function badge(s: RunState): string {
  const [tone, meaning] = STATES[s] ?? ['bad', 'unknown'];
  return `<span class="state ${tone}" title="${e(meaning)}">${e(s)}</span>`;
}

/** `/config/<component>/<config>`, each part percent-encoded (then escaped for the attribute). */
export function detailHref(s: { component: string; config: string }): string {
  return `/config/${encodeURIComponent(s.component)}/${encodeURIComponent(s.config)}`;
}

function shell(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
    `<title>${e(title)}</title><style>${CSS}</style></head><body><main>${body}</main><script>${SCRIPT}</script></body></html>`;
}

function subtitle(now: number, extra: string): string {
  return `<p class="sub">${e(hostname())} · ${e(new Date(now).toISOString().slice(11, 19))} UTC · ${extra} · refreshed every 5 s</p>`;
}

const points = (list: RatePoint[], f: (p: RatePoint) => number): [number, number][] => list.map((p) => [p.t, f(p)]);

/** The status page: one row per configuration, state colour-coded, its rate over the last hour, alerts under it. */
export function statusPage(rows: ConfigStatus[], series: (key: string) => RatePoint[], since: number, now: number, strays: number): string {
  const head = ['Component/Config', 'State', 'Run', 'Retry', 'Restarts', 'Que', 'LagAvg', 'Last', '%rej', 'messages', 'RxData', 'TxData',
    'messages/s, last hour'];
  const body = rows.map((s) => {
    const key = `${s.component}/${s.config}`;
    const cells = [badge(s.state), `${s.running}/${s.expected}`, String(s.retry), String(s.restarts), String(s.queued),
      `${s.lagAvg.toFixed(2)}s`, humanAge(s.last), `${s.rejectPercent.toFixed(1)}%`, `${s.rates.messages.toFixed(1)}/s`,
      `${humanBytes(s.rates.rxData)}/s`, `${humanBytes(s.rates.txData)}/s`,
      rateChart(points(series(key), (p) => p.messages), now, { width: 240, height: 38, unit: 'msg/s', label: `${key} messages per second`, since })];
    const notes = [...s.alerts, ...(s.failed ? [`fail: ${s.failed.reason}`] : []), ...(s.error ? [s.error] : [])];
    return `<tr data-config="${e(key)}"><td class="name"><a href="${e(detailHref(s))}">${e(key)}</a></td>` +
      cells.map((c) => `<td>${c}</td>`).join('') + '</tr>' +
      notes.map((n) => `<tr class="alert"><td colspan="${head.length}">⚠ ${e(n)}</td></tr>`).join('');
  }).join('');
  const running = rows.filter((s) => s.running > 0).length;
  const legend = (Object.keys(STATES) as RunState[]).map((s) => `<span>${badge(s)} ${e(STATES[s][1])}</span>`).join('');
  return shell('sarra-ts status', `<h1>sarra-ts status</h1>` +
    subtitle(now, `${rows.length} configurations, ${running} running${strays ? `, ${strays} stray processes` : ''}`) +
    `<table class="status"><thead><tr>${head.map((h, i) => `<th${i === 0 ? ' class="name"' : ''}>${e(h)}</th>`).join('')}</tr></thead>` +
    `<tbody>${body || `<tr><td colspan="${head.length}" class="name">no configurations</td></tr>`}</tbody></table>` +
    `<p class="legend">${legend}</p><p class="sub"><a href="/status.json">status.json</a> · <a href="/metrics">metrics</a></p>`);
}

/** The detail view of one configuration. */
export function detailPage(d: ConfigDetail, series: RatePoint[], since: number, now: number): string {
  const s = d.status, key = `${s.component}/${s.config}`;
  const facts: [string, string][] = [['state', badge(s.state)], ['instances', `${s.running}/${s.expected} running`],
    ['pids', e(s.pids.join(' ') || '-')], ['restarts (sanity)', String(s.restarts)],
    ['retry queues', e(d.retry.map((r) => `instance ${r.instance}: ${r.download} download, ${r.post} post`).join('; ') || '-')],
    ['broker queue', String(s.queued)], ['lag', `${s.lagAvg.toFixed(2)}s mean, ${s.lagMax.toFixed(2)}s max`],
    ['received / accepted / rejected', `${s.received} / ${s.accepted} / ${s.rejected}`],
    ['files / bytes transferred', `${s.transferredFiles} / ${e(humanBytes(s.transferredBytes))}`], ['last activity', e(humanAge(s.last))]];
  const alerts = s.alerts.length ? `<ul class="errors">${s.alerts.map((a) => `<li>⚠ ${e(a)}</li>`).join('')}</ul>` : '';
  const charts = rateChart(points(series, (p) => p.messages), now, { width: 640, height: 120, unit: 'msg/s', label: `${key} messages per second`, since }) +
    ' ' + rateChart(points(series, (p) => p.bytes), now, { width: 640, height: 120, unit: 'B/s', label: `${key} file bytes per second`, since });
  const errors = d.errors.length ? `<ul class="errors">${d.errors.map((x) => `<li>${e(x)}</li>`).join('')}</ul>` : '<p class="sub">none in the log tails</p>';
  const logs = d.logs.map((l) => `<h3>instance ${l.instance} <span class="sub">${e(l.file)}</span></h3><pre class="log">${e(l.lines.join('\n'))}</pre>`).join('') ||
    '<p class="sub">no log file</p>';
  return shell(`${key} · sarra-ts`, `<p><a href="/">← all configurations</a></p><h1>${e(key)}</h1>` + subtitle(now, 'detail') +
    `<dl>${facts.map(([k, v]) => `<dt>${e(k)}</dt><dd>${v}</dd>`).join('')}</dl>${alerts}` +
    `<h2>Rates, last hour</h2><div class="charts">${charts}</div><h2>Last errors</h2>${errors}` +
    `<h2>Log tail</h2>${logs}<h2>Options in effect</h2><pre class="options">${e(d.options)}</pre>`);
}
