// Public entry of @sarra/flow: the engine, its parts, the message gatherer, downloads, posting and reports.
export * from './types.js';
export { Flow, type FlowParts, type WorkFn, type DupeCheck, type PacedGatherer } from './engine.js';
export { defaultAccept, type AcceptFn, type Verdict } from './accept.js';
export { MessageGatherer, messageGatherer, resolveQueueName, queueNameFile, userFromExchange, type MessageGathererOptions } from './gather-message.js';
export { makeDownloader, inflightPath, remotePath, type DownloadContext } from './download.js';
export { applyFileOp, destRootOf } from './fileops.js';
export { Poster, outgoingNotice, postFormat, splitIndex, type PosterOptions, type PublisherLike } from './post.js';
export { Reporter, reportExchange, reportNotice } from './report.js';
export { abortableSleep, runBounded, backoff } from './retry.js';
export { runHook } from './run-hook.js';
export { applyMasks } from './filter.js';
export { setDestination } from './destination.js';
export { NoDupe, nodupeCacheFile, checkFileAge } from './nodupe.js';
export { DiskQueue, retryQueueFile } from './diskqueue.js';
export { Metrics, countTransfer, type MetricsOptions } from './metrics.js';
export { LogHook } from './loghook.js';
export { loadHooks, runHooks } from './hooks.js';
