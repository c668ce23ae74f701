// report: forward report messages like a shovel when a post exchange is configured; otherwise log each one.
import type { FlowHook, Worklist } from '@sarra/flow';
import type { Logger } from '@sarra/common';
import type { ComponentSpec } from './context.js';
import { buildMessageFlow } from './message-flow.js';

/** Logs every accepted report message: code, message, relPath. */
export function reportLogHook(log: Logger): FlowHook {
  return {
    name: 'report.log',
    afterAccept(wl: Worklist): void {
      for (const it of wl.incoming) {
        const r = it.notice.report;
        log.info(`report: ${r?.code ?? '-'} ${r?.message ?? ''} ${it.notice.baseUrl}${it.notice.relPath}`);
      }
    },
  };
}

export const report: ComponentSpec = {
  name: 'report',
  build: (ctx) => {
    const forward = !!(ctx.o.post_broker || ctx.o.post_exchange);
    return buildMessageFlow(ctx, { work: 'none', postByDefault: forward, relocate: false, hooks: forward ? [] : [reportLogHook(ctx.logger)] });
  },
};
