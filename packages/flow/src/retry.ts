// Small timing and concurrency helpers of the flow loop: abortable sleep, bounded parallel map, back-off.

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

/** Exponential back-off with jitter: base * 2^n, capped at max, +-25 %. In seconds. */
export function backoff(n: number, base = 1, max = 64): number {
  const d = Math.min(max, base * 2 ** Math.max(0, n));
  return d * (0.75 + Math.random() * 0.5);
}
