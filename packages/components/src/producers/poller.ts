// The poll gatherer: on schedule, lists each path under pollUrl and yields one notice per new or
// changed remote file; without the vip it stays passive and learns from the active poll's output.
import { posix } from 'node:path';
import { abortableSleep, pluginNotices, runHook, type FlowHook, type FlowMetrics, type PacedGatherer, type WorkItem } from '@sarra/flow';
import type { Transfer } from '@sarra/transfer';
import { describeError, type Logger } from '@sarra/common';
import { noticeOfEntry, remoteDirOf, seenKey, type PollNoticeSpec, type SeenCache } from './listing.js';
import { nextRun, type Schedule } from './schedule.js';
import type { PassiveSource } from '../vip-passive.js';
import { VipState } from './vip.js';

export interface PollerOptions extends PollNoticeSpec {
  pollUrl: string;
  /** Remote directories (sr3 `path` lines). */
  paths: string[];
  schedule: Schedule;
  /** Skip files older than this, seconds; 0 = off. @default 30 days (poll) */
  fileAgeMax: number;
  /** Descend into sub-directories. @default true */
  recursive?: boolean;
  /** Opens (or reuses) the connection for pollUrl: TransferPool.get. */
  connect: (url: string) => Promise<Transfer>;
  /** Forgets a broken connection: TransferPool.drop. */
  disconnect?: (url: string) => Promise<void>;
  seen: SeenCache;
  /** Does this host hold the vip now? (`() => true` without vip) */
  active: () => boolean;
  /** Marker file present while the instance lacks the vip (sr3 `.noVip`). */
  noVipFile?: string;
  passive?: PassiveSource;
  now?: () => number;
  /** Longest wait inside one gather() call, ms. @default 1000 */
  idleMs?: number;
  logger: Logger;
}

/** A daemon gatherer; each gather() returns queued notices or, when a run is due, lists the remote. */
export class Poller implements PacedGatherer {
  readonly name = 'gather.poll';
  private readonly out: WorkItem[] = [];
  private lastRun?: number;
  private readonly vip: VipState;
  private counts = { cycles: 0, listed: 0, announced: 0, tooOld: 0, passiveSeen: 0, listErrors: 0 };
  /** Plugins with a `poll` entry point: when there are any, they replace the listing of pollUrl (sr3). */
  private polls: FlowHook[] = [];
  private metricsSink?: FlowMetrics;

  constructor(private readonly opts: PollerOptions) {
    this.vip = new VipState(opts.noVipFile);
  }

  /** The flow's hooks (loaded after the poller is built): those with `poll()` list instead of the built-in listing. */
  usePlugins(hooks: FlowHook[], metrics?: FlowMetrics): void {
    this.polls = hooks.filter((h) => typeof h.poll === 'function');
    this.metricsSink = metrics;
    if (this.polls.length) this.opts.logger.info(`poll: listing by ${this.polls.map((h) => h.name).join(', ')}.poll instead of ${this.opts.pollUrl}`);
  }

  private now(): number { return this.opts.now ? this.opts.now() : Date.now(); }

  async start(): Promise<void> {
    await this.opts.seen.load();
    await this.opts.passive?.start();
  }

  async gather(max: number, signal: AbortSignal): Promise<WorkItem[]> {
    if (this.out.length) return this.out.splice(0, max);
    const active = this.opts.active();
    if (await this.vip.set(active)) this.opts.logger.info(active ? 'vip held: polling' : `vip not held: passive (${this.opts.noVipFile ?? ''})`);
    const idle = this.opts.idleMs ?? 1000;
    if (!active) {
      // drain what the active poll published during this call (returning [] makes the engine pause)
      if (this.opts.passive) await this.drainPassive(max, idle, signal);
      else await abortableSleep(idle, signal);
      return [];
    }
    // the vip holder's own output reaches its vip queue too: keep it drained (and the cache warm)
    if (this.opts.passive) await this.drainPassive(max, 0, signal);
    const wait = this.untilDue();
    if (wait > 0) {
      await abortableSleep(Math.min(wait, idle), signal);
      return [];
    }
    this.lastRun = this.now();
    await this.cycle(signal);
    return this.out.splice(0, max);
  }

  /** ms until the next listing is due (0 = now). */
  private untilDue(): number {
    return Math.max(0, nextRun(this.opts.schedule, this.lastRun, this.now()) - this.now());
  }

  /**
   * The engine's pause when a pass found nothing: the poll paces itself inside gather() (by its schedule,
   * or by waiting on the active poll's output), so the engine need not add its `sleep` back-off.
   */
  nextWakeMs(): number {
    return this.opts.active() ? this.untilDue() : 0;
  }

  /** Records in the cache what the active poll published, for up to `waitMs` (0: only what is already here). */
  private async drainPassive(max: number, waitMs: number, signal: AbortSignal): Promise<void> {
    const end = Date.now() + waitMs;
    let seen = 0;
    while (!signal.aborted) {
      const ns = await this.opts.passive!.next(Math.max(max, 100), Math.max(1, end - Date.now()));
      for (const n of ns) this.opts.seen.checkAndRecord(seenKey(n), this.now());
      seen += ns.length;
      if (!ns.length || Date.now() >= end) break;
    }
    this.counts.passiveSeen += seen;
    if (seen) await this.opts.seen.save();
  }

  /** One listing pass over every path (or the plugins' poll); exposed for tests and for `sr` one-off runs. */
  async cycle(signal?: AbortSignal): Promise<number> {
    this.counts.cycles++;
    if (this.polls.length) return this.pluginCycle();
    const now = this.now();
    let announced = 0;
    let transfer: Transfer;
    try {
      transfer = await this.opts.connect(this.opts.pollUrl);
    } catch (e: unknown) {
      this.counts.listErrors++;
      this.opts.logger.error(`poll: cannot connect to ${this.opts.pollUrl}: ${describeError(e)}`);
      return 0;
    }
    for (const path of this.opts.paths) {
      const stack: { dir: string; rel: string }[] = [{ dir: remoteDirOf(this.opts.pollUrl, path), rel: path }];
      while (stack.length && !signal?.aborted) {
        const { dir, rel } = stack.pop()!;
        let entries;
        try {
          entries = await transfer.list(dir);
        } catch (e: unknown) {
          this.counts.listErrors++;
          this.opts.logger.error(`poll: cannot list ${dir}: ${describeError(e)}`);
          if ((e as { code?: string }).code === 'ERR_CONNECTION_LOST') {
            await this.opts.disconnect?.(this.opts.pollUrl);
            this.lastRun = undefined; // try again soon rather than a whole interval later
            return announced;
          }
          continue;
        }
        this.counts.listed += entries.length;
        for (const e of entries) {
          if (e.name === '.' || e.name === '..' || e.name.startsWith('.') || e.name.endsWith('.tmp')) continue;
          if (e.isDir) {
            if (this.opts.recursive ?? true) stack.push({ dir: posix.join(dir, e.name), rel: posix.join(rel, e.name) });
            continue;
          }
          if (e.isLink) continue;
          if (this.opts.fileAgeMax > 0 && e.mtime > 0 && now - e.mtime > this.opts.fileAgeMax * 1000) {
            this.counts.tooOld++;
            continue;
          }
          const n = noticeOfEntry(this.opts, rel, e, now);
          if (this.opts.seen.checkAndRecord(seenKey(n), now)) continue;
          this.out.push({ notice: n });
          announced++;
        }
      }
    }
    this.counts.announced += announced;
    this.opts.seen.prune(now);
    try {
      await this.opts.seen.save();
    } catch (e: unknown) {
      this.opts.logger.error(`poll: cannot save the listing cache: ${describeError(e)}`);
    }
    this.opts.logger.info(`poll: ${this.opts.pollUrl} cycle ${this.counts.cycles}: ${announced} new`);
    return announced;
  }

  /**
   * sr3: a plugin's poll() replaces the built-in listing. Each plugin in load order returns notices (v03 fields),
   * each checked as a received one (a malformed one is logged and counted); the listing cache announces each new or
   * changed file once, as for a listing. A plugin that throws is logged and counted; the others go on.
   */
  private async pluginCycle(): Promise<number> {
    const now = this.now();
    const log = this.opts.logger;
    let announced = 0;
    for (const h of this.polls) {
      let got: unknown;
      await runHook(log, h, 'poll', async () => { got = await h.poll!(); }, this.metricsSink);
      const items = pluginNotices(h, 'poll', got, log, this.metricsSink);
      this.counts.listed += items.length;
      for (const it of items) {
        if (this.opts.seen.checkAndRecord(seenKey(it.notice), now)) continue;
        this.out.push(it);
        announced++;
      }
    }
    this.counts.announced += announced;
    this.opts.seen.prune(now);
    await this.opts.seen.save().catch((e: unknown) => log.error(`poll: cannot save the listing cache: ${describeError(e)}`));
    log.info(`poll: plugin poll cycle ${this.counts.cycles}: ${announced} new`);
    return announced;
  }

  async stop(): Promise<void> {
    await this.opts.passive?.stop();
    await this.opts.seen.save().catch(() => undefined);
    await this.vip.clear();
  }

  metrics(): Record<string, number | boolean> {
    return { ...this.counts, active: this.vip.active ?? false, cached: this.opts.seen.size };
  }
}
