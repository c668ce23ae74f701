// Report messages (COMPAT section 5): the notice plus `report {code, timeCompleted, message}`, sent upstream.
import type { Logger } from '@sarra/common';
import { describeError } from '@sarra/common';
import type { Options } from '@sarra/config';
import { brokerUser } from '@sarra/config';
import { encode, nowTimestamp, formatFromPrefix } from '@sarra/message';
import type { Notice } from '@sarra/message';
import type { PublisherLike } from './post.js';
import type { ReportSink, WorkItem } from './types.js';

/** The report exchange: `report_exchange` if set, else `xr_<broker user>`. */
export function reportExchange(o: Options): string {
  const explicit = o.report_exchange;
  if (explicit) return explicit;
  return `xr_${brokerUser(o.broker) ?? 'anonymous'}`;
}

/** The report notice for an item (its code and reason, completed now). */
export function reportNotice(item: WorkItem): Notice {
  const n: Notice = { ...item.notice };
  n.report = { code: item.reportCode ?? 201, timeCompleted: nowTimestamp(), message: item.reportMessage ?? '' };
  return n;
}

/**
 * Publishes a report message for every item that carries a report code (rejected, failed, done) when `report`
 * is on. Reports are best effort: an unconfirmed report is logged, never retried, and never blocks the flow.
 */
export class Reporter implements ReportSink {
  private readonly exchange: string;
  constructor(
    private readonly o: Options,
    private readonly publisher: PublisherLike,
    private readonly logger: Logger,
    private readonly ownsPublisher = true,
  ) {
    this.exchange = reportExchange(o);
  }

  async start(): Promise<void> {
    if (this.ownsPublisher) await this.publisher.start();
  }

  async report(items: WorkItem[]): Promise<void> {
    const prefix = this.o.topicPrefix || 'v03';
    const format = formatFromPrefix(prefix);
    let n = 0;
    for (const it of items) {
      if (it.reportCode === undefined) continue;
      try {
        const w = encode(reportNotice(it), format, { topicPrefix: prefix });
        this.publisher.publish(this.exchange, w.routingKey, w.body, { headers: w.headers, contentType: w.contentType, contentEncoding: w.contentEncoding });
        n++;
      } catch (err: unknown) {
        this.logger.warning(`report for ${it.notice.relPath}: ${describeError(err)}`);
      }
    }
    if (!n) return;
    try {
      await this.publisher.flush();
    } catch (err: unknown) {
      this.logger.warning(`reports not confirmed: ${describeError(err)}`);
    }
  }

  async close(): Promise<void> {
    if (this.ownsPublisher) await this.publisher.close();
  }
}
