// The vision tower in a worker thread. onnxruntime-node runs a session synchronously on the
// thread that calls it, so a batch on this thread would block the kernel for its whole length
// (2.6–3.6 s at 16 images on ViT-B/32 with two cores) and an interrupt could not even be seen
// until it ended. Here an interrupt rejects the batch at once with CancelledError. The worker
// is not terminated: it finishes the batch it is in (its result is dropped) and keeps the
// session, so the next run pays no model reload; a new batch simply waits behind that one.
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { CancelledError } from '../common/errors';
import { startWorker } from '../common/workerThread';
import { ModelError } from './errors';
import { openOn, OpenFailure } from './providers';
import { packPixels, VisionTower, type VisionEncoder, type VisionOutput } from './towers';
import type { Provider, VisionThread } from './types';
import type { VisionReply, VisionRequest, WorkerFailure } from './visionWorker';

const startVisionWorker = () =>
  startWorker(path.join(__dirname, 'vision-worker.js'), path.join(__dirname, 'visionWorker.ts'));

function rebuild(failure: WorkerFailure): Error {
  if (failure.type === 'open') return new OpenFailure(failure.file ?? '', new Error(failure.message));
  if (failure.type === 'model') return new ModelError(failure.message, failure.file);
  return new Error(failure.message);
}

/** The worker ended: released, out of memory, a crash, or it could not load its code. */
class WorkerStopped extends ModelError {}

interface Pending {
  resolve: (rows: Float32Array[]) => void;
  reject: (err: Error) => void;
}

class WorkerVision implements VisionEncoder {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private opened?: {
    resolve: (reply: { embedDim: number | undefined; outputs: string[] }) => void;
    reject: (err: Error) => void;
  };
  private stopped?: string;
  private releasing = false;
  embedDim: number | undefined;
  outputs: readonly string[] = [];

  constructor(
    private readonly worker: Worker,
    readonly side: number,
  ) {
    // An idle worker must not keep the CLI or a test process alive.
    worker.unref();
    worker.on('message', (reply: VisionReply) => this.receive(reply));
    worker.on('error', (err) => this.stop(err.message));
    worker.on('exit', (code) => this.stop(`exit code ${code}`));
  }

  open(file: string, provider: Provider, threads: number): Promise<void> {
    return new Promise<{ embedDim: number | undefined; outputs: string[] }>((resolve, reject) => {
      this.opened = { resolve, reject };
      this.worker.ref();
      this.post({ kind: 'open', file, side: this.side, provider, threads });
    }).then((reply) => {
      this.embedDim = reply.embedDim;
      this.outputs = reply.outputs;
    });
  }

  embed(pixels: Float32Array[], signal?: AbortSignal, output: VisionOutput = 'image_embeds'): Promise<Float32Array[]> {
    if (signal?.aborted) return Promise.reject(new CancelledError());
    if (this.stopped) return Promise.reject(new WorkerStopped(`The vision tower's worker stopped (${this.stopped}).`));
    const id = this.nextId++;
    return new Promise<Float32Array[]>((resolve, reject) => {
      const cancel = () => {
        // The worker finishes this batch; its reply finds nothing waiting and is dropped.
        this.settle(id);
        reject(new CancelledError());
      };
      signal?.addEventListener('abort', cancel, { once: true });
      this.pending.set(id, {
        resolve: (rows) => {
          signal?.removeEventListener('abort', cancel);
          resolve(rows);
        },
        reject: (err) => {
          signal?.removeEventListener('abort', cancel);
          reject(err);
        },
      });
      this.worker.ref();
      // One copy into a buffer that is then moved, not copied again, to the worker.
      const batch = packPixels(pixels, this.side);
      this.post({ kind: 'embed', id, batch, count: pixels.length, output }, [batch.buffer as ArrayBuffer]);
    });
  }

  /** Closes the session after the batch in flight (if any) and waits for the worker to end. */
  async release(): Promise<void> {
    if (this.stopped) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.releasing = true;
    this.worker.ref();
    this.post({ kind: 'release' });
    await exited;
  }

  private post(request: VisionRequest, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(request, transfer);
  }

  /** Forget batch `id`; the worker may idle once nothing waits on it. */
  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    this.unrefWhenIdle();
    return p;
  }

  /** Held only while someone waits on the worker. */
  private unrefWhenIdle(): void {
    if (this.pending.size === 0 && !this.opened && !this.releasing) this.worker.unref();
  }

  private receive(reply: VisionReply): void {
    if (reply.kind === 'opened' || (reply.kind === 'failed' && reply.id === undefined)) {
      const opened = this.opened;
      this.opened = undefined;
      this.unrefWhenIdle();
      if (reply.kind === 'opened') opened?.resolve(reply);
      else opened?.reject(rebuild(reply.failure));
      return;
    }
    const p = this.settle(reply.id!);
    if (reply.kind === 'embedded') p?.resolve(reply.rows);
    else p?.reject(rebuild(reply.failure));
  }

  /** A worker that ended (released, out of memory, a crash) fails what waits on it. */
  private stop(why: string): void {
    this.stopped ??= why;
    const err = new WorkerStopped(`The vision tower's worker stopped (${why}).`);
    this.opened?.reject(err);
    this.opened = undefined;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/**
 * Open the vision graph on `provider`, in a worker thread unless `where` is 'inline' or a worker
 * cannot start (then on this thread, as before). Throws OpenFailure when the session cannot be
 * created, ModelError when the graph is not a vision tower for images of `side`.
 */
export async function openVision(
  file: string,
  side: number,
  provider: Provider,
  threads: number,
  where: VisionThread = 'worker',
  log: (message: string) => void = () => {},
): Promise<VisionEncoder> {
  if (where === 'worker') {
    let worker: Worker | undefined;
    try {
      worker = startVisionWorker();
      const vision = new WorkerVision(worker, side);
      await vision.open(file, provider, threads);
      return vision;
    } catch (err) {
      await worker?.terminate();
      // A worker that cannot run (e.g. a bundle without its worker file) leaves this thread.
      if (!(err instanceof WorkerStopped) && worker) throw err;
      log(`The vision tower runs on this thread (an interrupt waits for its batch): ${(err as Error).message}`);
    }
  }
  const [session] = await openOn(provider, [file], threads);
  try {
    return new VisionTower(session, file, side);
  } catch (err) {
    await session.release().catch(() => {});
    throw err;
  }
}
