// Flow-test helper: topology S of ACCEPTANCE.md as configuration files in a temporary HOME, on a fresh
// vhost, with two nginx (origin p1, pump DOCROOT p2) and an sshd, driven only through the `sr` CLI.
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { startNginx, type NginxHandle } from '@sarra/testkit/nginx';
import { startSshd, type SshdHandle } from '@sarra/testkit/sshd';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { instancePids, kill9, runCli, type CliResult } from '@sarra/testkit/child';
import { SAMPLE } from './manifest.js';

/** The configurations of topology S, as `component/config`. */
export const TOPOLOGY_S = ['post/a', 'post/b', 'sarra/download', 'subscribe/amqp', 'watch/w', 'sender/s', 'subscribe/sftp',
  'poll/p', 'subscribe/polled'] as const;

/** One `sr status --json` record (the fields the flow tests read). */
export interface StatusRecord {
  component: string; config: string; state: string; expected: number; running: number; pids: number[]; missing: number[];
  received: number; accepted: number; rejected: number; malformed: number; duplicates: number; posted: number;
  transferredFiles: number; transferredBytes: number; retry: number; queued: number; error?: string;
}

/** The `totals` section of one instance metrics file (COMPAT §7 + CONTRACTS). */
interface Totals {
  received: number; accepted: number; rejected: number; rejectedByReason: Record<string, number>; malformed: number;
  duplicates: number; transferredFiles: number; transferredBytes: number; posted: number; postFailed: number;
  mismatch: number; failed: number;
}

export interface PumpOptions {
  /** vhost prefix and temp dir tag */ name: string;
  /** configurations to write (default: all of TOPOLOGY_S) */ configs?: readonly string[];
  /** extra lines appended to a configuration, keyed `component/config` */ extra?: Record<string, string[]>;
  /** nginx limit_rate (bytes/s) on the origin p1 */ originLimitRate?: number;
  /** copy the sample into src/ (default true) */ copySample?: boolean;
  /** start sshd (default: when a config needs it) */ sshd?: boolean;
}

/** A running test pump: paths, servers, and the CLI. */
export interface Pump {
  vh: TestVhost; home: TempHome; work: string;
  /** broker URL without password (credentials.conf has it) */ broker: string;
  src: string; docroot: string; bySub: string; sftpRoot: string; sent: string; bySftp: string; byPoll: string;
  p1: NginxHandle; p2: NginxHandle; sshd?: SshdHandle;
  /** `sftp://<user>@127.0.0.1:<port>` */ sftpUrl: string;
  /** Runs `sr <args>` in the temp HOME. */
  sr(args: string[], timeoutMs?: number): Promise<CliResult>;
  /** Runs `sr <args>` and asserts exit code 0. */
  srOk(args: string[], timeoutMs?: number): Promise<CliResult>;
  /** `sr status --json` (all configurations). */
  status(): Promise<StatusRecord[]>;
  /** Summed `totals` of every instance metrics file of a configuration (foreground instance 0 included). */
  totals(component: string, config: string): Promise<Totals>;
  /** Last `n` lines of every instance log. */
  logTails(n?: number): Promise<string>;
  /** Full text of the logs of a configuration (every instance). */
  logText(component: string, config: string): Promise<string>;
  /** (Re)writes a configuration file. */
  writeConfig(ref: string, lines: string[]): Promise<string>;
  /** `sr stop`, then SIGKILL whatever instance of this HOME is left. */
  stopAll(): Promise<void>;
  /** stopAll + servers stopped + vhost deleted + temp dirs removed; never throws. */
  cleanup(): Promise<void>;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** The text of each configuration of topology S for this pump. */
function topologyConfigs(p: Pump): Record<string, string[]> {
  const amqp = [`broker ${p.broker}`];
  const postTo = (exchange: string): string[] => [`post_broker ${p.broker}`, `post_exchange ${exchange}`];
  const sentDepth = p.sent.split('/').filter(Boolean).length;
  return {
    'post/a': [...postTo('xsarra'), 'post_topicPrefix v03', `post_baseUrl ${p.p1.url}`, `post_baseDir ${p.src}`,
      'identity sha512', 'fileEvents create,modify,delete,link', 'logReject on', 'reject .*/reject/.*', 'accept .*'],
    'post/b': [...postTo('xsarra'), 'post_topicPrefix v03', `post_baseUrl ${p.p1.url}`, `post_baseDir ${p.src}`,
      'identity sha512', 'fileEvents create,modify,delete,link', 'logReject on', 'reject .*/reject/.*', 'accept .*'],
    'sarra/download': [...amqp, 'exchange xsarra', 'topicPrefix v03', 'subtopic #', 'nodupe_ttl 300', 'expire 10m',
      ...postTo('xflow_public'), `post_baseUrl ${p.p2.url}`, `post_baseDir ${p.docroot}`,
      `directory ${p.docroot}`, 'mirror on', 'accept .*'],
    'subscribe/amqp': [...amqp, 'exchange xflow_public', 'topicPrefix v03', 'subtopic 20200105.WXO-DD.#', 'expire 10m',
      `directory ${p.bySub}`, 'mirror on', 'accept .*'],
    'watch/w': [...postTo('xs_tsource'), 'post_topicPrefix v03', `post_baseDir ${p.bySub}`, `post_baseUrl file:${p.bySub}/`,
      `path ${p.bySub}`, 'fileEvents create,modify,link,delete', 'sleep 1', 'reject .*\\.tmp$', 'accept .*'],
    'sender/s': [...amqp, 'exchange xs_tsource', 'topicPrefix v03', 'subtopic #', 'expire 10m', `baseDir ${p.bySub}`,
      `sendTo ${p.sftpUrl}/`, `directory ${p.sent}`, 'mirror on', 'inflight .tmp',
      ...postTo('xs_tsource_output'), 'post_topicPrefix v02.post', `post_baseUrl ${p.sftpUrl}/`, 'accept .*'],
    'subscribe/sftp': [...amqp, 'exchange xs_tsource_output', 'topicPrefix v02.post', 'subtopic #', 'expire 10m',
      `directory ${p.bySftp}`, 'mirror on', `strip ${sentDepth}`, 'accept .*'],
    'poll/p': [...postTo('xs_tsource_poll'), 'post_topicPrefix v03', `pollUrl ${p.sftpUrl}/`, `path ${p.sent}`,
      `post_baseUrl ${p.sftpUrl}/`, 'scheduled_interval 5',
      // workaround: the engine's idle sleep is `sleep` (poll default 300 s), delaying the next scheduled run
      'sleep 1', 'fileAgeMax 0', 'vip 127.0.0.1', 'reject .*\\.tmp$', 'accept .*'],
    'subscribe/polled': [...amqp, 'exchange xs_tsource_poll', 'topicPrefix v03', 'subtopic #', 'expire 10m', 'instances 5',
      `directory ${p.byPoll}`, 'mirror on', `strip ${sentDepth}`, 'accept .*'],
  };
}

/**
 * Builds topology S (or the `configs` subset) in a fresh temp HOME on a fresh vhost, with nginx p1 serving
 * `src/` (a copy of the sample), nginx p2 serving `docroot/`, and sshd whose sftp root is `sftp/`.
 * Nothing is started: the test runs `sr start` / `sr post` itself. On a setup error everything is cleaned up.
 */
export async function pump(opts: PumpOptions): Promise<Pump> {
  const configs = opts.configs ?? TOPOLOGY_S;
  const cleanups: (() => Promise<unknown>)[] = [];
  const p = {} as Pump;
  try {
    p.vh = await withVhost(`flow-${opts.name}`);
    cleanups.push(() => p.vh.cleanup());
    p.home = await tempHome(`sarra-flow-${opts.name}-`);
    const kept = { home: () => p.home.cleanup(), work: () => rm(p.work, { recursive: true, force: true }) };
    cleanups.push(kept.home);
    // the CLI and its instances run the TypeScript sources under test, never a stale dist/
    p.home.env.SARRA_FROM_SOURCE = '1';
    p.work = await mkdtemp(join(tmpdir(), `sarra-flow-${opts.name}-work-`));
    cleanups.push(kept.work);
    p.broker = `amqp://guest@127.0.0.1:5672/${p.vh.vhost}`;
    p.src = join(p.work, 'src');
    p.docroot = join(p.work, 'docroot');
    p.bySub = join(p.work, 'downloaded_by_sub');
    p.sftpRoot = join(p.work, 'sftp');
    p.sent = join(p.sftpRoot, 'sent');
    p.bySftp = join(p.work, 'downloaded_by_sftp');
    p.byPoll = join(p.work, 'recd_by_poll');
    for (const d of [p.src, p.docroot, p.bySub, p.sftpRoot, p.bySftp, p.byPoll]) await mkdir(d, { recursive: true });
    if (opts.copySample !== false) await cp(SAMPLE, p.src, { recursive: true });
    p.p1 = await startNginx({ root: p.src, ...(opts.originLimitRate ? { limitRate: opts.originLimitRate } : {}) });
    cleanups.push(() => p.p1.cleanup());
    p.p2 = await startNginx({ root: p.docroot });
    cleanups.push(() => p.p2.cleanup());
    const needSshd = opts.sshd ?? configs.some((c) => /^(sender|poll)\/|^subscribe\/(sftp|polled)$/.test(c));
    let creds = `${p.vh.url}\n`;
    if (needSshd) {
      const sshd = await startSshd({ root: p.sftpRoot });
      p.sshd = sshd;
      cleanups.push(() => sshd.cleanup());
      p.sftpUrl = sshd.url;
      creds += `${sshd.url}/ ssh_keyfile=${sshd.keyFile},known_hosts=${sshd.knownHosts}\n`;
    } else {
      p.sftpUrl = 'sftp://nobody@127.0.0.1:1';
    }
    await p.home.writeConfig('credentials.conf', creds);

    p.sr = (args, timeoutMs = 60_000) => runCli(args, p.home.env, { timeoutMs });
    p.srOk = async (args, timeoutMs) => {
      const r = await p.sr(args, timeoutMs);
      assert.equal(r.code, 0, `sr ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      return r;
    };
    p.status = async () => JSON.parse((await p.srOk(['status', '--json'])).stdout) as StatusRecord[];
    p.totals = async (component, config) => {
      const dir = join(p.home.cacheDir, 'metrics');
      const sum: Totals = { received: 0, accepted: 0, rejected: 0, rejectedByReason: {}, malformed: 0, duplicates: 0,
        transferredFiles: 0, transferredBytes: 0, posted: 0, postFailed: 0, mismatch: 0, failed: 0 };
      const re = new RegExp(`^${component}_${config}_\\d{2,3}\\.json$`);
      for (const f of await readdir(dir).catch(() => [] as string[])) {
        if (!re.test(f)) continue;
        const t = (JSON.parse(await readFile(join(dir, f), 'utf8')) as { totals?: Record<string, unknown> }).totals ?? {};
        for (const k of Object.keys(sum) as (keyof Totals)[]) {
          if (k === 'rejectedByReason') {
            for (const [r, n] of Object.entries((t[k] ?? {}) as Record<string, unknown>)) sum.rejectedByReason[r] = (sum.rejectedByReason[r] ?? 0) + num(n);
          } else sum[k] += num(t[k]);
        }
      }
      return sum;
    };
    p.logTails = async (n = 30) => {
      const dir = join(p.home.cacheDir, 'log');
      let out = '';
      for (const f of (await readdir(dir).catch(() => [] as string[])).sort()) {
        const lines = (await readFile(join(dir, f), 'utf8').catch(() => '')).trimEnd().split('\n');
        out += `==== ${f} (last ${Math.min(n, lines.length)} lines)\n${lines.slice(-n).join('\n')}\n`;
      }
      return out;
    };
    p.logText = async (component, config) => {
      const dir = join(p.home.cacheDir, 'log');
      let out = '';
      for (const f of (await readdir(dir).catch(() => [] as string[])).sort()) {
        if (f.startsWith(`${component}_${config}_`)) out += await readFile(join(dir, f), 'utf8').catch(() => '');
      }
      return out;
    };
    p.writeConfig = (ref, lines) => p.home.writeConfig(`${ref}.conf`, `${lines.join('\n')}\n`);
    p.stopAll = async () => {
      await p.sr(['stop'], 60_000).catch(() => undefined);
      for (const ref of await configRefs(p.home.configDir)) {
        const [c, n] = ref.split('/') as [string, string];
        for (const pid of await instancePids(p.home.home, c, n)) kill9(pid);
      }
    };
    p.cleanup = async () => {
      await p.stopAll().catch(() => undefined);
      // SARRA_FLOW_KEEP=1 keeps the trees, configurations and logs of the run for a post-mortem
      if (process.env.SARRA_FLOW_KEEP) {
        console.log(`# kept: work ${p.work}, HOME ${p.home.home}`);
        cleanups.splice(cleanups.indexOf(kept.home), 1);
        cleanups.splice(cleanups.indexOf(kept.work), 1);
      }
      for (const c of cleanups.reverse()) await c().catch(() => undefined);
    };
    const texts = topologyConfigs(p);
    for (const ref of configs) {
      const lines = texts[ref] ?? [];
      await p.writeConfig(ref, ['logLevel info', ...lines, ...(opts.extra?.[ref] ?? [])]);
    }
    for (const [ref, lines] of Object.entries(opts.extra ?? {})) if (!configs.includes(ref)) await p.writeConfig(ref, lines);
    return p;
  } catch (e: unknown) {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    throw e;
  }
}

/** `component/config` of every .conf under the config dir. */
async function configRefs(configDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const c of await readdir(configDir, { withFileTypes: true }).catch(() => [])) {
    if (!c.isDirectory()) continue;
    for (const f of await readdir(join(configDir, c.name)).catch(() => [] as string[])) {
      if (f.endsWith('.conf')) out.push(`${c.name}/${f.slice(0, -5)}`);
    }
  }
  return out;
}
