// Image and text embeddings through the on-disk cache, with progress and interrupt: what score,
// explain, search and fewshot all need before their own arithmetic.
import { EmbeddingCache } from '../../cache/embeddingCache';
import type { ClipModel } from '../../clip/types';
import { ProgressMeter } from '../progress';
import type { ImageEntry } from '../../protocol/dataset';
import type { StepContext } from './step';
import { checkImportedDimension } from './importedEmbeddings';

export interface Embedded {
  vectors: Float32Array[];
  /** How many were sent through the model (the rest came from the cache). */
  encoded: number;
}

/** The cell's embedding cache; pass one to both calls to read its notes (entries it had to redo) afterwards. */
export function stepCache(ctx: StepContext): EmbeddingCache {
  return new EmbeddingCache(ctx.cacheDir, (m) => ctx.log(m));
}

/**
 * Embeddings of image files (keyed by content hash and decode options, so a renamed file is a
 * cache hit). Images of an imported set (`embeddings:`) bring their vector and are never encoded.
 */
export async function embedImages(
  ctx: StepContext,
  model: ClipModel,
  images: readonly Pick<ImageEntry, 'path' | 'contentHash' | 'decode' | 'embedding'>[],
  cache = stepCache(ctx),
): Promise<Embedded> {
  const files = images.filter((e) => !e.embedding);
  const imported = images.find((e) => e.embedding);
  if (imported) checkImportedDimension(ctx, model, imported.embedding!.length);
  if (files.length) ctx.progress(`Embedding ${files.length} images`, 0);
  // The total is every image file of the set, fixed for the run; cache hits count as done at
  // once but not toward the rate, which starts with the first encoded batch.
  let meter: ProgressMeter | undefined;
  const encoded = files.length
    ? await cache.getOrEncode(
        files,
        // DICOM window/frame options change the pixels, so they are part of the key when set.
        (e) =>
          EmbeddingCache.imageKey(
            model.fingerprint,
            model.preprocessKey,
            e.decode ? `${e.contentHash}:${JSON.stringify(e.decode)}` : e.contentHash,
          ),
        (missing, already) => {
          const m = (meter ??= new ProgressMeter('Embedding images', files.length, 'images', already.cached));
          return model.encodeImages(
            missing.map((e) => ({ path: e.path, decode: e.decode })),
            {
              signal: ctx.signal,
              onProgress: (done) => {
                const sofar = already.cached + already.done + done;
                ctx.progress(m.line(sofar), m.fraction(sofar));
              },
            },
          );
        },
        model.batchSize * 4,
      )
    : { vectors: [], encoded: 0 };
  let next = 0;
  return { vectors: images.map((e) => e.embedding ?? encoded.vectors[next++]), encoded: encoded.encoded };
}

/** Embeddings of exact texts (no progress line: texts are few and quick next to images). */
export async function embedTexts(
  ctx: StepContext,
  model: ClipModel,
  texts: readonly string[],
  cache = stepCache(ctx),
): Promise<Embedded> {
  return cache.getOrEncode(
    [...texts],
    (t) => EmbeddingCache.textKey(model.fingerprint, t),
    (missing) => model.encodeTexts(missing, { signal: ctx.signal }),
  );
}
