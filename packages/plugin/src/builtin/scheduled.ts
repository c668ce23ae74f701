// sr3's flowcb/scheduled: a gather for any component that announces the configured `path` entries at fixed times
// (scheduled_interval, or scheduled_hour x scheduled_minute, or scheduled_time), e.g. a URL whose content changes.
import type { Logger } from '@sarra/common';
import { nextRun, parseSchedule, type Options, type Schedule } from '@sarra/config';
import type { FlowHook } from '@sarra/flow';
import { timestampFromMs, type Notice } from '@sarra/message';
import { noticeFor } from '../poll.js';

/** Components whose own source reads `path` (and, for poll, the schedule): a scheduled gather there is refused. */
const OWN_PATHS: Readonly<Record<string, string>> = {
  poll: 'a poll lists its path on scheduled_interval / scheduled_hour / scheduled_minute / scheduled_time by itself: remove the callback',
  post: 'post announces its path files itself, once: announce paths at scheduled times from a flow (or subscribe) configuration',
  watch: 'watch announces its path files itself as they change: announce paths at scheduled times from a flow (or subscribe) configuration',
};

/**
 * `callback scheduled`: at each appointment, one notice per `path` line (relPath as written, baseUrl post_baseUrl,
 * identity "checksum on download"), handed to the flow as gathered notices. sr3's timing: an interval runs first
 * one interval after start; appointments are UTC; between them the gather returns nothing (it never blocks the
 * pass). An appointment missed while a pass was busy runs once, late. Refused at start without `path` or
 * `post_baseUrl`, and in poll, post and watch (their own source reads `path`).
 */
export default class Scheduled implements FlowHook {
  readonly name = 'scheduled';
  private readonly schedule: Schedule;
  private due: number;
  private runs = 0;

  constructor(private readonly o: Options, private readonly log: Logger) {
    const own = OWN_PATHS[o.component];
    if (own) throw new Error(`scheduled: ${own}`);
    if (!o.path.length) throw new Error('scheduled needs path lines: the relPaths announced at each appointment');
    if (!o.post_baseUrl) throw new Error('scheduled needs post_baseUrl: the URL the announced paths are fetched under');
    this.schedule = parseSchedule({
      scheduled_interval: o.scheduled_interval, scheduled_hour: o.scheduled_hour, scheduled_minute: o.scheduled_minute,
      scheduled_time: o.scheduled_time,
    });
    const now = Date.now();
    this.due = nextRun(this.schedule, now, now);
    log.info(`scheduled: ${o.path.length} path(s), first at ${timestampFromMs(this.due)}`);
  }

  gather(): Notice[] {
    const now = Date.now();
    if (now < this.due) return [];
    this.due = nextRun(this.schedule, this.due, now);
    this.runs++;
    this.log.info(`scheduled: time to run, ${this.o.path.length} path(s); next at ${timestampFromMs(this.due)}`);
    return this.o.path.map((p) => noticeFor(this.o, p));
  }

  metricsReport(): Record<string, unknown> {
    return { runs: this.runs, next: timestampFromMs(this.due) };
  }
}
