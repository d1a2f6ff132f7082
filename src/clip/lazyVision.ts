// The vision tower opened when the first image must be encoded, not when the model cell runs.
// On the CPU a full-size vision session holds about 500 MB (ViT-B/32), and a notebook that
// scores precomputed embeddings (`embeddings:`), or re-runs over cached ones, never runs it. The
// model cell still checks the graph: its declared inputs and outputs are read from the file
// (./graphSignature) and checked as an open session's would be, so a file that is not a vision
// tower fails there. What only a session can find (an operator onnxruntime lacks, a graph that
// does not load) fails the first encode, with the same message the model cell would have given.
import { untilCancelled } from '../common/async';
import { ModelError } from './errors';
import { OpenFailure } from './providers';
import type { VisionDeclaration, VisionEncoder, VisionOutput } from './towers';

export class LazyVision implements VisionEncoder {
  private opening?: Promise<VisionEncoder>;

  constructor(
    private readonly file: string,
    readonly side: number,
    private readonly declared: VisionDeclaration,
    private readonly open: () => Promise<VisionEncoder>,
  ) {}

  get embedDim(): number | undefined {
    return this.declared.embedDim;
  }

  get outputs(): readonly string[] {
    return this.declared.outputs;
  }

  /** Whether the session has been opened (or is being opened). */
  get opened(): boolean {
    return this.opening !== undefined;
  }

  async embed(pixels: Float32Array[], signal?: AbortSignal, output?: VisionOutput): Promise<Float32Array[]> {
    const tower = await untilCancelled(this.tower(), signal);
    return tower.embed(pixels, signal, output);
  }

  async release(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    const tower = await opening?.catch(() => undefined);
    await tower?.release();
  }

  private tower(): Promise<VisionEncoder> {
    this.opening ??= this.open().catch((err: unknown) => {
      // The next encode tries again (e.g. after memory was freed).
      this.opening = undefined;
      if (err instanceof OpenFailure) {
        throw new ModelError(`onnxruntime cannot load ${err.file || this.file}: ${err.message}`, this.file);
      }
      throw err;
    });
    return this.opening;
  }
}
