// Product bugs the flow suite found: the todo reasons of the checks they break (each names the likely culprit).

/** watch loses files written into directories created just before them (intermittent: some runs post all 1,125). */
export const WATCH_MISSES = 'product bug: watch/w missed files written into directories created just before them ' +
  '(intermittent: 1,081-1,113 of 1,125 posted in 4 of 5 runs; a race in packages/components/src/producers/watcher.ts adding new sub-directories)';

/** watch does not post what was written while it was stopped. */
export const WATCH_NO_CATCHUP = 'product bug: a restarted watch/w never posts files written while it was stopped (no catch-up scan ' +
  'of the tree at start: sent/ lacked ~25% of the files after three sr stop/start): packages/components/src/producers/watcher.ts';

/** The sftp subscriber of the sender's v02 output keeps the old name of a renamed file. */
export const RENAME_OLD_KEPT = 'product bug: after mv d1/f2 d1/f2renamed under the watched tree, sent/ was right but downloaded_by_sftp ' +
  'kept d1/f2 beside d1/f2renamed (the old name in the sender\'s rename notice is not mapped like its relPath: packages/components/src/producers/send.ts ' +
  'and packages/flow/src/fileops.ts oldPath())';

/** sarra re-announces a few files after sr stop / sr start. */
export const NODUPE_RESTART = 'product bug (intermittent): after three sr stop; sr start mid-flow, sarra announced 17 of 1,125 files twice ' +
  'on xflow_public: duplicate suppression did not fully survive the restart (nodupe cache not saved with the entries of the last ' +
  'batch at stop, or items posted but not acked before exit and not suppressed on redelivery): packages/flow/src/nodupe.ts / engine.ts stop()';
