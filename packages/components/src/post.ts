// post (sr3_post): announce the given local paths once, then exit (non-zero when some path failed).
import { posix } from 'node:path';
import type { ComponentSpec } from './context.js';
import { FileGatherer } from './producers/file-gatherer.js';
import { buildProducerFlow } from './producers/producer-flow.js';
import { noticeSpecOf } from './producers/options.js';

export const post: ComponentSpec = {
  name: 'post',
  async build(ctx) {
    const { o } = ctx;
    const paths = (ctx.paths?.length ? ctx.paths : o.path).map((p) =>
      posix.isAbsolute(p) ? p : posix.resolve(o.post_baseDir && !p.startsWith('.') ? o.post_baseDir : process.cwd(), p));
    const gatherer = new FileGatherer({
      ...noticeSpecOf(o), paths, logger: ctx.logger,
      postDirectories: o.fileEvents.has('mkdir'), recursive: o.recursive, followSymlinks: o.follow_symlinks,
    });
    return buildProducerFlow(ctx, gatherer, { exitCode: () => (gatherer.failures > 0 ? 1 : 0) });
  },
};
