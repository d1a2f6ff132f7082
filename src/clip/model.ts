// loadClipModel: a model folder -> a ClipModel (the contract in ./types). It wires the folder,
// tokenizer, preprocessing, providers and towers together and batches the work.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CancelledError, throwIfCancelled } from '../common/errors';
import { ImageDecodeError } from '../images/decode';
import { ModelError } from './errors';
import { modelFingerprint } from './fingerprint';
import { readModelFolder } from './modelFolder';
import {
  describePreprocessing,
  outputSide,
  parsePreprocessorConfig,
  preprocessFile,
  preprocessKey,
  type Preprocessing,
} from './preprocess';
import { DEFAULT_BATCH_SIZE, openOn, openSessions } from './providers';
import { contextLengthOf, loadTokenizer, type ClipTokenizer } from './tokenizer';
import { readGraphSignature } from './graphSignature';
import { LazyVision } from './lazyVision';
import { checkVisionGraph, TextTower, type VisionEncoder } from './towers';
import type {
  ClipModel,
  EncodeOptions,
  ImageInput,
  LoadModelOptions,
  ModelDescription,
  Provider,
  SkippedProvider,
  VisionThread,
} from './types';
import { openVision } from './visionThread';

export { ModelError } from './errors';

function checkCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

/**
 * Run `work` over `items` in batches, checking for cancellation before each batch and reporting
 * progress after it. The next batch's input is prepared while the current one runs.
 */
async function inBatches<T, P>(
  items: T[],
  batchSize: number,
  options: EncodeOptions | undefined,
  prepare: (batch: T[]) => Promise<P>,
  run: (prepared: P, signal: AbortSignal | undefined) => Promise<Float32Array[]>,
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += batchSize) batches.push(items.slice(i, i + batchSize));
  checkCancelled(options?.signal);
  let next: Promise<P> | undefined = batches.length > 0 ? prepare(batches[0]) : undefined;
  try {
    for (let b = 0; b < batches.length; b++) {
      const prepared = await next!;
      // A batch run on this thread (the text tower, an inline vision tower) blocks it: an
      // interrupt that arrived meanwhile is only seen once the event loop has turned.
      await new Promise<void>((resolve) => setImmediate(resolve));
      checkCancelled(options?.signal);
      next = b + 1 < batches.length ? prepare(batches[b + 1]) : undefined;
      out.push(...(await run(prepared, options?.signal)));
      options?.onProgress?.(out.length, items.length);
    }
  } finally {
    // A prefetch left behind by an error or a cancel must not surface as an unhandled rejection.
    next?.catch(() => {});
  }
  return out;
}

interface ModelParts {
  dir: string;
  fingerprint: string;
  provider: Provider;
  providerReason: string;
  providersSkipped: SkippedProvider[];
  embedDim: number;
  description: ModelDescription;
  batchSize: number;
  preprocessing: Preprocessing;
  tokenizer: ClipTokenizer;
  vision: VisionEncoder;
  text: TextTower;
}

class OnnxClipModel implements ClipModel {
  readonly dir: string;
  readonly fingerprint: string;
  readonly preprocessKey: string;
  readonly provider: Provider;
  readonly providerReason: string;
  readonly providersSkipped: SkippedProvider[];
  readonly embedDim: number;
  readonly imageSize: number;
  readonly description: ModelDescription;
  readonly batchSize: number;
  readonly patchTokens: { available: boolean; reason: string };
  private readonly preprocessing: Preprocessing;
  private readonly tokenizer: ClipTokenizer;
  private readonly vision: VisionEncoder;
  private readonly text: TextTower;

  constructor(parts: ModelParts) {
    this.dir = parts.dir;
    this.fingerprint = parts.fingerprint;
    this.provider = parts.provider;
    this.providerReason = parts.providerReason;
    this.providersSkipped = parts.providersSkipped;
    this.embedDim = parts.embedDim;
    this.description = parts.description;
    this.batchSize = parts.batchSize;
    this.preprocessing = parts.preprocessing;
    this.tokenizer = parts.tokenizer;
    this.vision = parts.vision;
    this.text = parts.text;
    this.preprocessKey = preprocessKey(parts.preprocessing);
    this.imageSize = parts.vision.side;
    this.patchTokens = patchTokenSupport(parts.vision.outputs);
  }

  async encodePatches(pixels: Float32Array, options?: EncodeOptions): Promise<Float32Array[]> {
    if (!this.patchTokens.available) throw new ModelError(this.patchTokens.reason);
    throwIfCancelled(options?.signal);
    const [tokens] = await this.vision.embed([pixels], options?.signal, 'patch_embeds');
    const dim = this.embedDim;
    return Array.from({ length: tokens.length / dim }, (_, k) => tokens.subarray(k * dim, (k + 1) * dim));
  }

  preprocess(image: ImageInput): Promise<Float32Array> {
    return preprocessFile(image.path, this.preprocessing, image.decode);
  }

  encodeImages(images: ImageInput[], options?: EncodeOptions): Promise<Float32Array[]> {
    return inBatches(
      images,
      this.batchSize,
      options,
      async (batch) => {
        const pixels = await Promise.all(
          batch.map((image) =>
            this.preprocess(image).catch((err: unknown) => {
              if (!(err instanceof ImageDecodeError) || !options?.onUnreadable) throw err;
              options.onUnreadable(image, err);
              return undefined;
            }),
          ),
        );
        return pixels.filter((p): p is Float32Array => p !== undefined);
      },
      async (pixels, signal) => (pixels.length ? this.imageRows(await this.vision.embed(pixels, signal)) : []),
    );
  }

  encodePixels(pixels: Float32Array[], options?: EncodeOptions): Promise<Float32Array[]> {
    return inBatches(
      pixels,
      this.batchSize,
      options,
      async (batch) => batch,
      async (batch, signal) => this.imageRows(await this.vision.embed(batch, signal)),
    );
  }

  /**
   * Image embeddings as wide as the text embeddings. A graph that does not declare its width
   * (or one opened only now, ./lazyVision) is checked on its first output instead.
   */
  private imageRows(rows: Float32Array[]): Float32Array[] {
    const width = rows[0]?.length;
    if (width !== undefined && width !== this.embedDim) {
      throw new ModelError(
        `${this.dir}: image_embeds have ${width} values but text_embeds ${this.embedDim}; the towers do not belong together.`,
      );
    }
    return rows;
  }

  encodeTexts(texts: string[], options?: EncodeOptions): Promise<Float32Array[]> {
    return inBatches(
      texts,
      this.batchSize,
      options,
      async (batch) => batch.map((text) => this.tokenizer.encode(text)),
      (tokens) => this.text.embed(tokens),
    );
  }

  tokenize(text: string): { inputIds: number[]; attentionMask: number[] } {
    return this.tokenizer.encode(text);
  }

  async dispose(): Promise<void> {
    await Promise.all([this.vision.release(), this.text.release()]);
  }
}

export async function loadClipModel(dir: string, options: LoadModelOptions = {}): Promise<ClipModel> {
  const log = options.log ?? (() => {});
  const asked = options.batchSize;
  if (asked !== undefined && (!Number.isInteger(asked) || asked < 1)) {
    throw new ModelError(`batch size must be a positive whole number (got ${asked}).`);
  }
  const folder = await readModelFolder(dir, options.variant ?? 'fp32', log);
  const preprocessorFile = path.join(folder.dir, 'preprocessor_config.json');
  const preprocessing = parsePreprocessorConfig(folder.preprocessorConfig, preprocessorFile);
  const side = outputSide(preprocessing)!;

  const opened = await openSessions(
    [folder.visionModel, folder.textModel],
    { device: options.device ?? 'auto', variants: folder.graphVariants, threads: options.threads, log },
    (provider, files, threads) => openTowers(files, side, provider, threads, options.visionThread, log),
  );
  const { vision, text } = opened.sessions;
  try {
    // A graph traced with a fixed sequence length can take nothing else.
    const tokenizer = loadTokenizer(
      folder,
      text.fixedContextLength ?? contextLengthOf(folder.config, folder.tokenizerConfig),
    );

    const projection = folder.config.projection_dim;
    const imageDim = vision.embedDim;
    const textDim = text.embedDim ?? (await text.embed([tokenizer.encode('')]))[0].length;
    if (imageDim !== undefined && imageDim !== textDim) {
      throw new ModelError(
        `${folder.dir}: image_embeds have ${imageDim} values but text_embeds ${textDim}; the towers do not belong together.`,
        folder.visionModel,
      );
    }
    if (typeof projection === 'number' && projection !== textDim) {
      log(`config.json says projection_dim ${projection}, the ONNX graphs give ${textDim}; using ${textDim}.`);
    }
    return new OnnxClipModel({
      dir: folder.dir,
      fingerprint: await modelFingerprint(folder.dir, folder.definingFiles),
      provider: opened.provider,
      providerReason: opened.reason,
      providersSkipped: opened.skipped,
      embedDim: textDim,
      description: {
        variant: folder.graphVariants.join(' + '),
        files: await Promise.all(
          folder.definingFiles.map(async (file) => ({
            path: path.relative(folder.dir, file).split(path.sep).join('/'),
            bytes: (await fs.stat(file)).size,
          })),
        ),
        contextLength: tokenizer.contextLength,
        preprocessing: describePreprocessing(preprocessing),
        licence: folder.licence,
      },
      batchSize: asked ?? DEFAULT_BATCH_SIZE[opened.provider],
      preprocessing,
      tokenizer,
      vision,
      text,
    });
  } catch (err) {
    await Promise.all([vision.release().catch(() => {}), text.release().catch(() => {})]);
    throw err;
  }
}

function patchTokenSupport(outputs: readonly string[]): { available: boolean; reason: string } {
  if (outputs.includes('patch_embeds'))
    return {
      available: true,
      reason:
        'The vision graph exports patch_embeds: each patch token projected into the joint space as the pooled image is.',
    };
  if (outputs.includes('last_hidden_state'))
    return {
      available: false,
      reason:
        'The vision graph exports last_hidden_state but not patch_embeds (those tokens projected into the joint space: post-layernorm and visual projection for CLIP), so there is no patch-token map: occlusion only. Re-export the vision tower with a patch_embeds output.',
    };
  return {
    available: false,
    reason: 'The vision graph exports only the pooled image embedding (image_embeds), no patch tokens: occlusion only.',
  };
}

/**
 * Both towers on one provider: the vision graph in its worker (see ./visionThread), the text graph
 * here. On the CPU the vision session is opened when the first image is encoded (./lazyVision);
 * a GPU provider opens it now, since whether it starts there decides the provider.
 */
async function openTowers(
  [visionFile, textFile]: string[],
  side: number,
  provider: Provider,
  threads: number,
  where: VisionThread | undefined,
  log: (message: string) => void,
): Promise<{ vision: VisionEncoder; text: TextTower }> {
  const open = () => openVision(visionFile, side, provider, threads, where, log);
  const vision =
    provider === 'cpu'
      ? new LazyVision(visionFile, side, checkVisionGraph(await readGraphSignature(visionFile), visionFile, side), open)
      : await open();
  try {
    const [textSession] = await openOn(provider, [textFile], threads);
    try {
      return { vision, text: new TextTower(textSession, textFile) };
    } catch (err) {
      await textSession.release().catch(() => {});
      throw err;
    }
  } catch (err) {
    await vision.release().catch(() => {});
    throw err;
  }
}
