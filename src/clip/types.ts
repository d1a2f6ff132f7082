// The contract between the kernel and the CLIP engine. The kernel never touches onnxruntime,
// the tokenizer or pixel arrays directly.

import type { ImageDecodeError } from '../images/decode';
import type { DicomDecodeOptions } from '../protocol/dataset';

/** The execution providers Symptom Lens can use, in the order `auto` tries them. */
export const PROVIDERS = ['cuda', 'webgpu', 'cpu'] as const;
export type Provider = (typeof PROVIDERS)[number];
export const PROVIDER_LABEL: Record<Provider, string> = { cuda: 'CUDA', webgpu: 'WebGPU', cpu: 'CPU' };
/** `auto` or one provider forced. */
export const DEVICE_PREFERENCES = ['auto', ...PROVIDERS] as const;
export type DevicePreference = (typeof DEVICE_PREFERENCES)[number];
export const VARIANTS = ['fp32', 'quantized', 'fp16'] as const;
export type Variant = (typeof VARIANTS)[number];

/** A provider that `auto` passed over, and why (shown in the status bar, the model output and run records). */
export interface SkippedProvider {
  provider: Provider;
  reason: string;
}

/** Where the vision tower's ONNX session runs. */
export type VisionThread = 'worker' | 'inline';

export interface LoadModelOptions {
  /** 'auto' tries CUDA, then WebGPU, then CPU, recording why each one before was skipped. */
  device?: DevicePreference;
  /** Images per vision batch; texts use the same number. Default: 16 on CPU, 32 on a GPU provider. */
  batchSize?: number;
  /** intra-op threads; default os.availableParallelism(). */
  threads?: number;
  /** Prefer onnx/*_quantized.onnx or *_fp16.onnx when present: 'fp32' | 'quantized' | 'fp16'. */
  variant?: Variant;
  /**
   * Where the vision tower runs: 'worker' (default), a worker thread, so a batch never blocks the
   * caller's event loop and an interrupt stops at once; 'inline', this thread (tests compare the two).
   */
  visionThread?: VisionThread;
  /** Called with user-facing notes (e.g. "CUDA not available: …, using CPU"). */
  log?: (message: string) => void;
}

export interface EncodeOptions {
  signal?: AbortSignal;
  /** done/total items after each batch. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Images only. When given, an image that cannot be decoded is reported here and left out: the
   * result then holds one vector per readable image, in order. Without it, such an image fails
   * the call.
   */
  onUnreadable?: (image: ImageInput, error: ImageDecodeError) => void;
}

/** An image for the vision tower: a file on disk (decoded with sharp). */
export interface ImageInput {
  path: string;
  /** DICOM window/frame options (absent: the defaults). */
  decode?: DicomDecodeOptions;
}

/** What a model cell shows about the loaded model. */
export interface ModelDescription {
  /** The ONNX variant(s) actually used ("fp32", or "fp16 + fp32" when a tower fell back). */
  variant: string;
  /** The files that decide the outputs (the fingerprint's), relative to the folder, with sizes. */
  files: { path: string; bytes: number }[];
  /** Tokens per text, BOS/EOS included. */
  contextLength: number;
  /** The preprocessing in words, e.g. "shortest edge 224 bicubic, centre crop 224, /255, CLIP mean/std". */
  preprocessing: string;
  /** From the README's front matter, when it states one. */
  licence?: string;
}

export interface ClipModel {
  /** Absolute folder. */
  readonly dir: string;
  /** sha256 over the ONNX files' bytes + config + tokenizer: the cache key part for the model. */
  readonly fingerprint: string;
  /** Hash of the effective preprocessing (size, crop, mean, std, resample): image cache key part. */
  readonly preprocessKey: string;
  /** The execution provider in use. */
  readonly provider: Provider;
  /** Why that provider, naming each one skipped and why ("auto: CUDA skipped (…); WebGPU skipped (…)"). */
  readonly providerReason: string;
  /** The providers `auto` tried or ruled out before this one. */
  readonly providersSkipped: SkippedProvider[];
  /** Images or texts per ONNX batch: the option given, else the provider's default. */
  readonly batchSize: number;
  readonly embedDim: number;
  /** Image side fed to the vision tower (crop size). */
  readonly imageSize: number;
  readonly description: ModelDescription;
  /** L2-normalised image embeddings, one per input, batched. Throws CancelledError on abort. */
  encodeImages(images: ImageInput[], options?: EncodeOptions): Promise<Float32Array[]>;
  /** Same with already preprocessed CHW float pixels (explain/occlusion uses this). */
  encodePixels(pixels: Float32Array[], options?: EncodeOptions): Promise<Float32Array[]>;
  /** Whether the vision graph exports patch tokens in the joint space (`patch_embeds`); if not, why. */
  readonly patchTokens: { available: boolean; reason: string };
  /**
   * One preprocessed image's patch tokens, each projected into the joint space and L2-normalised,
   * in the graph's order (row by row). Only when `patchTokens.available`.
   */
  encodePatches(pixels: Float32Array, options?: EncodeOptions): Promise<Float32Array[]>;
  /** Decode + preprocess one image to CHW float32 (size imageSize²·3). */
  preprocess(image: ImageInput): Promise<Float32Array>;
  /** L2-normalised text embeddings, one per text, batched. */
  encodeTexts(texts: string[], options?: EncodeOptions): Promise<Float32Array[]>;
  /** Token ids (with BOS/EOS, padded/truncated to the model's context length) — for tests. */
  tokenize(text: string): { inputIds: number[]; attentionMask: number[] };
  dispose(): Promise<void>;
}
