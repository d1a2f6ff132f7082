// Worker-thread entry: the vision tower's ONNX session lives here, so a batch (seconds on a
// full-size model, run synchronously by onnxruntime-node) never blocks the kernel's event loop,
// and an interrupt is seen at once. Messages are handled one at a time, in order.
import { parentPort } from 'node:worker_threads';
import { ModelError } from './errors';
import { openOn, OpenFailure } from './providers';
import { VisionTower, type VisionOutput } from './towers';
import type { Provider } from './types';

export type VisionRequest =
  | { kind: 'open'; file: string; side: number; provider: Provider; threads: number }
  | { kind: 'embed'; id: number; batch: Float32Array; count: number; output: VisionOutput }
  | { kind: 'release' };

/** Enough of an error to rebuild it on the other side as the same class. */
export interface WorkerFailure {
  message: string;
  /** 'open': the session could not be created (OpenFailure); 'model': a ModelError; else any error. */
  type: 'open' | 'model' | 'other';
  file?: string;
}

export type VisionReply =
  | { kind: 'opened'; embedDim: number | undefined; outputs: string[] }
  | { kind: 'embedded'; id: number; rows: Float32Array[] }
  | { kind: 'failed'; id?: number; failure: WorkerFailure };

function failure(err: unknown): WorkerFailure {
  if (err instanceof OpenFailure) return { type: 'open', message: err.message, file: err.file };
  if (err instanceof ModelError) return { type: 'model', message: err.message, file: err.file };
  return { type: 'other', message: err instanceof Error ? err.message : String(err) };
}

let tower: VisionTower | undefined;

async function handle(request: VisionRequest): Promise<VisionReply | undefined> {
  switch (request.kind) {
    case 'open': {
      const [session] = await openOn(request.provider, [request.file], request.threads);
      try {
        tower = new VisionTower(session, request.file, request.side);
      } catch (err) {
        await session.release().catch(() => {});
        throw err;
      }
      return { kind: 'opened', embedDim: tower.embedDim, outputs: [...tower.outputs] };
    }
    case 'embed':
      return {
        kind: 'embedded',
        id: request.id,
        rows: await tower!.embedBatch(request.batch, request.count, request.output),
      };
    case 'release':
      await tower?.release();
      tower = undefined;
      parentPort!.close();
      return undefined;
  }
}

let queue = Promise.resolve();
parentPort?.on('message', (request: VisionRequest) => {
  queue = queue.then(() =>
    handle(request).then(
      (reply) => reply && parentPort!.postMessage(reply),
      (err: unknown) => {
        const reply: VisionReply = {
          kind: 'failed',
          id: request.kind === 'embed' ? request.id : undefined,
          failure: failure(err),
        };
        parentPort!.postMessage(reply);
      },
    ),
  );
});
