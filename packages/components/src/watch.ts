// watch: a daemon announcing file-system events under the configured paths (chokidar 4, or force_polling).
import { ConfigError } from '@sarra/common';
import type { ComponentSpec } from './context.js';
import { Watcher } from './producers/watcher.js';
import { buildProducerFlow } from './producers/producer-flow.js';
import { followsSymlinks, noticeSpecOf, startPaths } from './producers/options.js';

export const watch: ComponentSpec = {
  name: 'watch',
  async build(ctx) {
    const { o } = ctx;
    const paths = await startPaths(o, ctx.paths?.length ? ctx.paths : o.path, o.post_baseDir);
    if (!paths.length) throw new ConfigError(`watch/${o.config}: no path to watch`, { file: o.file });
    const extra = o as unknown as Record<string, unknown>;
    const watcher = new Watcher({
      ...noticeSpecOf(o), paths, logger: ctx.logger,
      fileEvents: o.fileEvents, forcePolling: o.force_polling, pollInterval: o.sleep > 0 ? o.sleep : 5,
      fileAgeMin: o.fileAgeMin, postOnStart: o.post_on_start, stateDir: ctx.stateDir, followSymlinks: followsSymlinks(o),
      settleMs: typeof extra.watch_settle === 'number' ? extra.watch_settle * 1000 : undefined,
    });
    return buildProducerFlow(ctx, watcher);
  },
};
