// Pacing and concurrency helpers of the flow loop: abortable sleep, bounded parallel map (the retry queue is diskqueue.ts).

/** Sleeps `ms`, resolving early (never rejecting) when `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Runs `fn` over `items` with at most `limit` calls in flight; resolves when all have settled. `fn` must not throw. */
export async function runBounded<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const it = items[next++]!;
      await fn(it);
    }
  };
  const lanes: Promise<void>[] = [];
  for (let i = 0; i < Math.min(Math.max(1, limit), items.length); i++) lanes.push(lane());
  await Promise.all(lanes);
}
