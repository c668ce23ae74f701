// Product bugs the flow suite found and that are still open: the todo reasons of the checks they break.

/** sarra re-announces a batch of files after sr stop / sr start. */
export const NODUPE_RESTART = 'product bug (intermittent, 1 run in 4 here): after three sr stop; sr start mid-flow, sarra announced ' +
  'one batch (14 of 1,125 files) twice on xflow_public: a batch published at stop whose confirms did not arrive before the ' +
  'publisher closed is re-published from the post retry queue after the restart (at-least-once); packages/flow/src/engine.ts stop()';
