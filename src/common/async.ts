// A bounded worker pool with cancellation, for I/O that may run a few requests at a time (LLM
// calls, downloads).
import { CancelledError } from './errors';

/**
 * Run `count` jobs with at most `limit` at a time. The first failure stops the rest (their
 * requests are aborted) and is what the cell reports; an interrupt reports as cancelled.
 */
export async function runAll<T>(
  count: number,
  limit: number,
  signal: AbortSignal,
  fn: (i: number, signal: AbortSignal) => Promise<T>,
): Promise<T[]> {
  const inner = new AbortController();
  const onAbort = () => inner.abort();
  if (signal.aborted) inner.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const results: T[] = new Array<T>(count);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && !inner.signal.aborted && next < count) {
      const i = next++;
      try {
        results[i] = await fn(i, inner.signal);
      } catch (error) {
        failure ??= { error };
        inner.abort();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (signal.aborted) throw new CancelledError();
  if (failure) throw failure.error;
  return results;
}

/**
 * `work`, or CancelledError as soon as `signal` fires. The work itself goes on (e.g. a model
 * session being opened, which the next run can use); only this wait ends.
 */
export function untilCancelled<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(new CancelledError());
  return new Promise<T>((resolve, reject) => {
    const cancel = () => reject(new CancelledError());
    signal.addEventListener('abort', cancel, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', cancel));
  });
}
