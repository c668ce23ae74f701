// Formats `sr status` as sr3 does: two header rows, one line per configuration, footer totals.
import type { ConfigStatus } from './state.js';

/** Human size: 1536 -> "1.5KiB"; used for data rates and memory. */
export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return u === 0 ? `${Math.round(v)}${units[u]}` : `${v.toFixed(1)}${units[u]}`;
}

/** Seconds as sr3 prints ages: "3.2s", "5m", "2h", "3d"; "-" when unknown. */
export function humanAge(s: number | null): string {
  if (s === null) return '-';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86400) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

function pct(v: number | null): string {
  return v === null ? '-' : `${Math.round(v)}%`;
}

const BASE = [
  ['State', 5], ['Run', 5], ['Retry', 6], ['msg', 5], ['data', 5], ['Que', 6], ['LagMax', 7], ['LagAvg', 7], ['Last', 6],
  ['%rej', 6], ['pubsub', 10], ['messages', 10], ['RxData', 10], ['TxData', 10],
] as const;
const FULL = [
  ['Msg/scpu', 9], ['subBytes', 9], ['Accepted', 9], ['Rejected', 9], ['Malformed', 9], ['pubBytes', 9], ['pubMsgs', 8],
  ['pubMal', 7], ['rxData', 9], ['rxFiles', 8], ['txData', 9], ['txFiles', 8], ['Since', 6], ['uss', 9], ['rss', 9], ['vms', 9],
  ['user', 8], ['system', 8],
] as const;
const NAME = 40;

function cells(s: ConfigStatus, full: boolean): string[] {
  const out = [
    s.state, `${s.running}/${s.expected}`, String(s.retry), pct(s.msgConnectedPercent), s.full.rxFiles + s.full.txFiles > 0 ? '100%' : '-',
    String(s.queued), `${s.lagMax.toFixed(2)}s`, `${s.lagAvg.toFixed(2)}s`, humanAge(s.last), `${s.rejectPercent.toFixed(1)}%`,
    `${humanBytes(s.rates.pubsub)}/s`, `${s.rates.messages.toFixed(1)}m/s`, `${humanBytes(s.rates.rxData)}/s`, `${humanBytes(s.rates.txData)}/s`,
  ];
  if (full) {
    const f = s.full;
    out.push(f.msgsPerCpu.toFixed(1), humanBytes(f.subBytes), String(s.accepted), String(s.rejected), String(s.malformed),
      humanBytes(f.pubBytes), String(f.pubMsgs), String(f.pubMal), humanBytes(f.rxBytes), String(f.rxFiles), humanBytes(f.txBytes),
      String(f.txFiles), humanAge(f.since), f.uss === null ? '-' : humanBytes(f.uss), humanBytes(f.rss), humanBytes(f.vms), `${f.user.toFixed(2)}s`, `${f.system.toFixed(2)}s`);
  }
  return out;
}

function row(name: string, values: string[], widths: number[]): string {
  return name.padEnd(NAME) + values.map((v, i) => v.padStart(widths[i]!)).join(' ');
}

/** Footer figures shared by the table and the web page. */
function totals(rows: ConfigStatus[], strays: number): Record<string, number> {
  const sum = (f: (s: ConfigStatus) => number): number => rows.reduce((a, s) => a + f(s), 0);
  const lagged = rows.filter((s) => s.lagAvg > 0);
  return {
    configs: rows.filter((s) => s.running > 0).length, processes: sum((s) => s.running), missing: sum((s) => s.missing.length), stray: strays,
    uss: sum((s) => s.full.uss ?? 0), rss: sum((s) => s.full.rss), vms: sum((s) => s.full.vms), user: sum((s) => s.full.user), system: sum((s) => s.full.system),
    messagesIn: sum((s) => s.rates.messages), pubsub: sum((s) => s.rates.pubsub), queued: sum((s) => s.queued), retry: sum((s) => s.retry),
    lagAvg: lagged.length ? lagged.reduce((a, s) => a + s.lagAvg, 0) / lagged.length : 0,
    rxData: sum((s) => s.rates.rxData), txData: sum((s) => s.rates.txData),
  };
}

/** The status table as printed by `sr status` (`full` adds sr3's --full columns). */
export function formatStatus(rows: ConfigStatus[], opts: { full?: boolean; strays?: number } = {}): string {
  const cols = opts.full ? [...BASE, ...FULL] : [...BASE];
  const widths = cols.map(([n, w]) => Math.max(w, n.length));
  const lines: string[] = [];
  const cat = 'Component/Config'.padEnd(NAME) + 'Processes'.padEnd(widths[0]! + widths[1]! + widths[2]! + 3) +
    'Connection'.padEnd(widths[3]! + widths[4]! + widths[5]! + 3) + 'Lag'.padEnd(widths[6]! + widths[7]! + widths[8]! + 3) + 'Rates' +
    (opts.full ? ' '.repeat(44) + 'Counters / Data Counters / Memory / CPU Time' : '');
  lines.push(cat);
  lines.push(row('', cols.map(([n]) => n), widths));
  lines.push(row('', cols.map(([n]) => '-'.repeat(n.length)), widths));
  for (const s of rows) {
    const name = `${s.component}/${s.config}`;
    lines.push(row(name.length >= NAME ? name.slice(0, NAME - 1) : name, cells(s, !!opts.full), widths));
  }
  const t = totals(rows, opts.strays ?? 0);
  lines.push(`      Total Running Configs: ${t.configs} ( Processes: ${t.processes} missing: ${t.missing} stray: ${t.stray} )`);
  lines.push(`                     Memory: ${opts.full ? `uss:${humanBytes(t.uss!)} ` : ''}rss:${humanBytes(t.rss!)} vms:${humanBytes(t.vms!)}`);
  lines.push(`                   CPU Time: User:${t.user!.toFixed(2)}s System:${t.system!.toFixed(2)}s`);
  lines.push(`                    Pub/Sub: received: ${t.messagesIn!.toFixed(1)} msgs/s (${humanBytes(t.pubsub!)}/s), Queued: ${t.queued} Retry: ${t.retry}, Mean lag: ${t.lagAvg!.toFixed(2)}s`);
  lines.push(`                       Data: received: ${humanBytes(t.rxData!)}/s, sent: ${humanBytes(t.txData!)}/s`);
  // the wide view: which broker node each instance is on (a cluster's host list), and the statehost directory read
  if (opts.full) {
    for (const s of rows) {
      if (s.nodes?.length) lines.push(`${s.component}/${s.config}: broker node ${s.nodes.map((n) => `${n.instance}:${n.node}`).join(' ')}`);
      if (s.host) lines.push(`${s.component}/${s.config}: statehost ${s.host}`);
    }
  }
  // state fail: why, for the operator to fix before the next start
  for (const s of rows) if (s.failed) lines.push(`${s.component}/${s.config}: fail: ${s.failed.reason}`);
  // alerts: the flows to look at though their state may say run (lag past messageAgeMax, a growing retry queue)
  for (const s of rows) for (const a of s.alerts) lines.push(`${s.component}/${s.config}: alert: ${a}`);
  for (const s of rows) if (s.restarts > 0) lines.push(`${s.component}/${s.config}: restarted ${s.restarts} time(s) by sr sanity since the last start`);
  return lines.join('\n');
}
