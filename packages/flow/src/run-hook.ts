// Calls one flow-callback entry point, logging and swallowing its exceptions (sr3 behaviour).
import type { Logger } from '@sarra/common';
import { describeError } from '@sarra/common';

/** Runs `fn` (one entry point of hook `h`); an exception is logged with the hook's name and swallowed. */
export async function runHook(log: Logger, h: { name: string }, entry: string, fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (err: unknown) {
    log.error(`${h.name}.${entry} failed: ${describeError(err)}`);
  }
}
