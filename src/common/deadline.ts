// One time limit for a whole request, body included. HTTP clients' own timeouts usually stop at
// the response headers, so a server that sends headers and then trickles the body outlives them.
// `withDeadline` hands the work a signal that fires at the deadline (or on interrupt), and stops
// waiting at the deadline even if the work ignores its signal.
import { CancelledError } from './errors';

/** The deadline passed before the work finished. */
export class DeadlineError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no complete answer within ${formatDuration(timeoutMs)}`);
    this.name = 'DeadlineError';
  }
}

export function formatDuration(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

/**
 * Run `work` with a signal that aborts after `timeoutMs` or when `signal` aborts. Rejects with
 * DeadlineError at the deadline, CancelledError on interrupt, else settles as `work` does.
 */
export async function withDeadline<T>(
  timeoutMs: number,
  signal: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (signal?.aborted) throw new CancelledError();
  const inner = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new DeadlineError(timeoutMs));
      inner.abort(new DeadlineError(timeoutMs));
    }, timeoutMs);
    onAbort = () => {
      reject(new CancelledError());
      inner.abort(new CancelledError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  const running = work(inner.signal);
  // Whatever `work` does after the race is lost must not become an unhandled rejection.
  running.catch(() => undefined);
  try {
    return await Promise.race([running, stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/** Wait `ms`, or reject with CancelledError as soon as `signal` fires. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Exponential backoff with jitter: base·2^attempt, capped, times 0.75–1. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** attempt, maxMs) * (0.75 + Math.random() * 0.25);
}
