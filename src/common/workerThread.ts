// Starting a worker thread the same way from the bundles and from source: the bundles (the CLI,
// the extension) carry each worker entry as its own file beside them; tests and `tsx` runs load
// the TypeScript entry through tsx inside the worker.
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/** A worker from `bundled` (e.g. dist/vision-worker.js) where it exists, else from the `source` .ts file. */
export function startWorker(bundled: string, source: string): Worker {
  if (existsSync(bundled)) return new Worker(bundled);
  // tsx is resolved from the source file inside the worker's own code, so the bundle never names it.
  const file = JSON.stringify(source);
  return new Worker(`require(require('node:module').createRequire(${file}).resolve('tsx/cjs')); require(${file});`, {
    eval: true,
  });
}
