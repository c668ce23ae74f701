// post (sr3_post): announce the given local paths once, then exit (non-zero when some path failed).
import type { ComponentSpec } from './context.js';
import { FileGatherer } from './producers/file-gatherer.js';
import { buildProducerFlow } from './producers/producer-flow.js';
import { followsSymlinks, noticeSpecOf, startPaths } from './producers/options.js';
import { postProgress } from './producers/progress.js';

export const post: ComponentSpec = {
  name: 'post',
  async build(ctx) {
    const { o } = ctx;
    const given = ctx.paths?.length ? ctx.paths : o.path;
    const paths = (await Promise.all(given.map((p) => startPaths(o, [p], o.post_baseDir && !p.startsWith('.') ? o.post_baseDir : undefined)))).flat();
    const gatherer = new FileGatherer({
      ...noticeSpecOf(o), paths, logger: ctx.logger,
      postDirectories: o.fileEvents.has('mkdir'), recursive: o.recursive, followSymlinks: followsSymlinks(o),
    });
    // on a terminal, files, bytes, rate and ETA under the log (sr post in the foreground only)
    const progress = ctx.foreground ? await postProgress(paths) : undefined;
    return buildProducerFlow(ctx, gatherer, { exitCode: () => (gatherer.failures > 0 ? 1 : 0), hooks: progress ? [progress] : [] });
  },
};
