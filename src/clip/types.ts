// The contract between the kernel and the CLIP engine. The kernel never touches onnxruntime,
// the tokenizer or pixel arrays directly.

export type DevicePreference = 'auto' | 'cpu' | 'cuda';

export interface LoadModelOptions {
  /** 'auto' tries CUDA and falls back to CPU with a reason. */
  device?: DevicePreference;
  /** Images per vision batch; texts use the same number. Default 16. */
  batchSize?: number;
  /** intra-op threads; default os.availableParallelism(). */
  threads?: number;
  /** Prefer onnx/*_quantized.onnx or *_fp16.onnx when present: 'fp32' | 'quantized' | 'fp16'. */
  variant?: 'fp32' | 'quantized' | 'fp16';
  /** Called with user-facing notes (e.g. "CUDA not available: …, using CPU"). */
  log?: (message: string) => void;
}

export interface EncodeOptions {
  signal?: AbortSignal;
  /** done/total items after each batch. */
  onProgress?: (done: number, total: number) => void;
}

/** An image for the vision tower: a file on disk (decoded with sharp). */
export interface ImageInput {
  path: string;
}

export interface ClipModel {
  /** Absolute folder. */
  readonly dir: string;
  /** sha256 over the ONNX files' bytes + config + tokenizer: the cache key part for the model. */
  readonly fingerprint: string;
  /** Hash of the effective preprocessing (size, crop, mean, std, resample): image cache key part. */
  readonly preprocessKey: string;
  /** 'cuda' | 'cpu' actually used. */
  readonly provider: string;
  /** Why that provider ("CUDA libraries not found: …; using CPU"). */
  readonly providerReason: string;
  readonly embedDim: number;
  /** Image side fed to the vision tower (crop size). */
  readonly imageSize: number;
  /** L2-normalised image embeddings, one per input, batched. Throws CancelledError on abort. */
  encodeImages(images: ImageInput[], options?: EncodeOptions): Promise<Float32Array[]>;
  /** Same with already preprocessed CHW float pixels (explain/occlusion uses this). */
  encodePixels(pixels: Float32Array[], options?: EncodeOptions): Promise<Float32Array[]>;
  /** Decode + preprocess one image to CHW float32 (size imageSize²·3). */
  preprocess(image: ImageInput): Promise<Float32Array>;
  /** L2-normalised text embeddings, one per text, batched. */
  encodeTexts(texts: string[], options?: EncodeOptions): Promise<Float32Array[]>;
  /** Token ids (with BOS/EOS, padded/truncated to the model's context length) — for tests. */
  tokenize(text: string): { inputIds: number[]; attentionMask: number[] };
  dispose(): Promise<void>;
}
