// What the status page's detail view of one configuration shows: options in effect, last errors, retry depth, log tail.
import { open } from 'node:fs/promises';
import { redact, type Env } from '@sarra/common';
import { showOptions } from '@sarra/config';
import { tryLoad } from './configs.js';
import { logFile } from './layout.js';
import { num } from './metrics.js';
import type { ConfigRef } from './select.js';
import { deriveStatus, type ConfigStatus } from './state.js';
import { observe } from './status.js';

/** Lines of each instance log kept for the tail, and of warnings/errors/rejections for "last errors". */
const TAIL_LINES = 40;
const ERROR_LINES = 15;
/** Bytes read from the end of a log file: enough for the tail, bounded whatever the file's size. */
const TAIL_BYTES = 64 * 1024;

/** A line an operator acts on: sr3's levels above info, and rejections with their reasons. */
const ERRORISH = /\[(?:WARNING|WARN|ERROR|CRITICAL)\]|\brejected\b/;

export interface ConfigDetail {
  status: ConfigStatus;
  /** `sr show`'s YAML of the options in effect, passwords redacted; the load error when they do not load */ options: string;
  /** per instance: messages in the download and post retry queues (last metrics write) */ retry: { instance: number; download: number; post: number }[];
  /** newest last: warnings, errors and rejections from the instance logs, and why the configuration failed */ errors: string[];
  /** per instance with a log file: its path and last lines, redacted */ logs: { instance: number; file: string; lines: string[] }[];
}

/** The last `max` lines of a file (at most TAIL_BYTES read from its end); [] when it cannot be read. */
async function tail(file: string, max: number): Promise<string[]> {
  const fh = await open(file, 'r').catch(() => undefined);
  if (!fh) return [];
  try {
    const { size } = await fh.stat();
    const len = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n');
    // a read that starts mid-file starts mid-line: that first piece is not a line
    if (size > len) lines.shift();
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-max);
  } finally {
    await fh.close();
  }
}

/** Everything the detail view shows of `ref`, read afresh; every text that comes from a file is redacted. */
export async function configDetail(ref: ConfigRef, env: Env = process.env, now = Date.now()): Promise<ConfigDetail> {
  const { options, error } = await tryLoad(ref, env);
  const obs = await observe(ref, env, options);
  const status = deriveStatus(obs, now);
  let shown: string;
  if (options) {
    const yaml = await import('js-yaml');
    shown = yaml.dump(showOptions(options), { skipInvalid: true, lineWidth: 160, noRefs: true, sortKeys: false });
  } else shown = `does not load: ${error ?? 'unknown error'}`;
  const numbers = [...new Set([...obs.pidFiles.map((p) => p.instance), ...obs.metrics.map((m) => m.instance),
    ...Array.from({ length: obs.expected }, (_, i) => i + 1)])].sort((a, b) => a - b);
  const logs: ConfigDetail['logs'] = [];
  const errors: string[] = [];
  for (const n of numbers) {
    const file = logFile(ref.component, ref.config, n, env);
    const lines = (await tail(file, Infinity)).map(redact);
    if (!lines.length) continue;
    logs.push({ instance: n, file, lines: lines.slice(-TAIL_LINES) });
    errors.push(...lines.filter((l) => ERRORISH.test(l)).slice(-ERROR_LINES));
  }
  // log lines start with their time: sorted, the instances' errors interleave as they happened
  errors.sort();
  if (status.failed) errors.push(`failed: ${status.failed.reason}`);
  if (status.error) errors.push(`configuration: ${status.error}`);
  return {
    status, options: redact(shown), errors: errors.slice(-ERROR_LINES).map(redact), logs,
    retry: obs.metrics.map((m) => ({ instance: m.instance, download: num(m.data.retry?.msgs_in_download_retry),
      post: num(m.data.retry?.msgs_in_post_retry) })).sort((a, b) => a.instance - b.instance),
  };
}
