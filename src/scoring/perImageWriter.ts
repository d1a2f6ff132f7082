// Writes paged scores' per-image files in a worker thread (scoring/perImageWorker.ts): the
// kernel's thread takes the columns from the score (a few tens of ms at 100,000 images) and moves
// them to the worker, which spends the Parquet encoding (hundreds of ms) and the file write
// beside the next edit. A write in flight is registered under its file until it ends, so that
// everything reading the file (the renderer's row requests, exports, the CLI copying it into its
// output) waits for it first. One worker, kept between writes and unref'd while idle so it holds
// no process open; where it cannot start or stops, the file is written on this thread as before.
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { perImageFile, writePerImageFile } from '../cache/perImageFiles';
import { startWorker } from '../common/workerThread';
import type { ScoreResult } from '../protocol/results';
import { columnBuffers, scoreColumns } from '../report/scoreColumns';
import { scoresParquet } from '../report/scoresParquet';
import type { PerImageWrite, PerImageWritten } from './perImageWorker';

/** The bundle's copy (dist/per-image-worker.js), or the source through tsx when run from source. */
const startWriter = () =>
  startWorker(path.join(__dirname, 'per-image-worker.js'), path.join(__dirname, 'perImageWorker.ts'));

/** The worker ended before it answered (it could not load its code, ran out of memory, crashed). */
class WriterStopped extends Error {}

interface Writer {
  worker: Worker;
  pending: Map<number, { resolve: () => void; reject: (e: Error) => void }>;
  /** It answered once: its code loads, so a later stop is no reason to give workers up. */
  answered: boolean;
}

let writer: Writer | undefined;
/** Set once a worker could not run at all: later files are written on this thread. */
let unavailable: string | undefined;
let nextId = 0;
/** Writes in flight by file; each settles (never rejects) when its write has ended either way. */
const inFlight = new Map<string, Promise<void>>();

function writerThread(): Writer | undefined {
  if (unavailable) return undefined;
  if (writer) return writer;
  let worker: Worker;
  try {
    worker = startWriter();
  } catch (e) {
    unavailable = e instanceof Error ? e.message : String(e);
    return undefined;
  }
  worker.unref();
  const w: Writer = { worker, pending: new Map(), answered: false };
  worker.on('message', (reply: PerImageWritten) => {
    w.answered = true;
    const p = w.pending.get(reply.id);
    w.pending.delete(reply.id);
    if (w.pending.size === 0) worker.unref();
    if (reply.error === undefined) p?.resolve();
    else p?.reject(new Error(reply.error));
  });
  const stop = (why: string) => {
    if (writer === w) writer = undefined;
    if (!w.answered) unavailable ??= why;
    for (const p of w.pending.values()) p.reject(new WriterStopped(why));
    w.pending.clear();
  };
  worker.on('error', (e) => stop(e.message));
  worker.on('exit', (code) => stop(`exit code ${code}`));
  writer = w;
  return w;
}

function offThread(w: Writer, request: Omit<PerImageWrite, 'id'>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const id = nextId++;
    w.pending.set(id, { resolve, reject });
    w.worker.ref();
    w.worker.postMessage({ ...request, id } satisfies PerImageWrite, columnBuffers(request.columns));
  });
}

/**
 * Starts writing `score`'s per-image file of `run` into the cache; resolves once it is written,
 * rejects with why not. The columns are taken from the score before this returns.
 */
export function writePerImageInBackground(
  cacheDir: string,
  notebookPath: string,
  score: ScoreResult,
  run: string,
  log: (message: string) => void = () => {},
): Promise<void> {
  const file = perImageFile(cacheDir, notebookPath, score.name, run);
  const onThisThread = () =>
    writePerImageFile(
      cacheDir,
      notebookPath,
      score.name,
      run,
      new Uint8Array(scoresParquet(score, [], { similarity: true, run })),
    );
  // Until its first await, this runs now: the columns are taken from the score before returning.
  const written = (async () => {
    const w = writerThread();
    if (!w) return onThisThread();
    try {
      await offThread(w, {
        cacheDir,
        notebookPath,
        cell: score.name,
        run,
        columns: scoreColumns(score, [], { similarity: true, run }),
      });
    } catch (e) {
      if (!(e instanceof WriterStopped)) throw e;
      // The columns went with the worker: the file is encoded again, here.
      log(`score ${score.name}: the per-image file is written on this thread (its worker stopped: ${e.message})`);
      await onThisThread();
    }
  })();
  trackWrite(file, written);
  return written;
}

/** Registers `written` as the write of `file` in flight until it settles: readers wait for it. */
export function trackWrite(file: string, written: Promise<void>): void {
  const settled = written.catch(() => {});
  inFlight.set(file, settled);
  void settled.then(() => {
    if (inFlight.get(file) === settled) inFlight.delete(file);
  });
}

/** Resolves once no write of `file` is in flight (whether it was written or not). */
export async function perImageWritten(file: string): Promise<void> {
  await inFlight.get(file);
}

/** Resolves once every per-image write in flight has ended: before a process exits or copies the files. */
export async function perImageWritesSettled(): Promise<void> {
  while (inFlight.size) await Promise.all(inFlight.values());
}

/** Where the last files were written: in the worker, on this thread (none could run), or none yet. */
export function perImageWriterThread(): 'worker' | 'this thread' | undefined {
  return unavailable ? 'this thread' : writer?.answered ? 'worker' : undefined;
}
