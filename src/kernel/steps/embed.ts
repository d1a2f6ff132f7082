// Image and text embeddings through the on-disk cache, with progress and interrupt: what score,
// explain, search and fewshot all need before their own arithmetic.
import { EmbeddingCache } from '../../cache/embeddingCache';
import type { ClipModel, ImageInput } from '../../clip/types';
import { withoutEntries } from '../../images/imageSet';
import { ListingCache } from '../../images/listingCache';
import { ProgressMeter } from '../progress';
import type { ImageEntry, ImageSet } from '../../protocol/dataset';
import type { StepContext } from './step';
import { checkImportedDimension } from './importedEmbeddings';

export interface Embedded {
  vectors: Float32Array[];
  /** How many were sent through the model (the rest came from the cache). */
  encoded: number;
}

type Embeddable = Pick<ImageEntry, 'path' | 'contentHash' | 'decode' | 'embedding'>;

export interface EmbeddedImages<E extends Embeddable> extends Embedded {
  /** The images that have a vector, in order: `vectors[i]` belongs to `readable[i]`. */
  readable: E[];
  /**
   * Images found undecodable only now (the image set checks DICOM from its header, so a corrupt
   * codestream shows up when the model first needs the pixels), with the reason.
   */
  unreadable: { entry: E; reason: string }[];
}

/** The cell's embedding cache; pass one to both calls to read its notes (entries it had to redo) afterwards. */
export function stepCache(ctx: StepContext): EmbeddingCache {
  return new EmbeddingCache(ctx.cacheDir, (m) => ctx.log(m));
}

/**
 * Embeddings of image files (keyed by content hash and decode options, so a renamed file is a
 * cache hit). Images of an imported set (`embeddings:`) bring their vector and are never encoded.
 */
export async function embedImages<E extends Embeddable>(
  ctx: StepContext,
  model: ClipModel,
  images: readonly E[],
  cache = stepCache(ctx),
): Promise<EmbeddedImages<E>> {
  const files = images.filter((e) => !e.embedding);
  const imported = images.find((e) => e.embedding);
  if (imported) checkImportedDimension(ctx, model, imported.embedding!.length);
  if (files.length) ctx.progress(`Embedding ${files.length} images`, 0);
  // The total is every image file of the set, fixed for the run; cache hits count as done at
  // once but not toward the rate, which starts with the first encoded batch.
  let meter: ProgressMeter | undefined;
  const unreadable: { entry: E; reason: string }[] = [];
  const { vectors, encoded } = files.length
    ? await cache.getOrEncode<E, Float32Array | undefined>(
        files,
        // DICOM window/frame options change the pixels, so they are part of the key when set.
        (e) =>
          EmbeddingCache.imageKey(
            model.fingerprint,
            model.preprocessKey,
            e.decode ? `${e.contentHash}:${JSON.stringify(e.decode)}` : e.contentHash,
          ),
        async (missing, already) => {
          const m = (meter ??= new ProgressMeter('Embedding images', files.length, 'images', already.cached));
          const inputs: ImageInput[] = missing.map((e) => ({ path: e.path, decode: e.decode }));
          const failed = new Set<ImageInput>();
          const readable = await model.encodeImages(inputs, {
            signal: ctx.signal,
            onProgress: (done) => {
              const sofar = already.cached + already.done + done;
              ctx.progress(m.line(sofar), m.fraction(sofar));
            },
            onUnreadable: (input, error) => {
              failed.add(input);
              unreadable.push({ entry: missing[inputs.indexOf(input)], reason: error.message });
            },
          });
          let next = 0;
          return inputs.map((input) => (failed.has(input) ? undefined : readable[next++]));
        },
        model.batchSize * 4,
      )
    : { vectors: [], encoded: 0 };
  let next = 0;
  const kept = images
    .map((e) => ({ e, v: e.embedding ?? vectors[next++] }))
    .filter((x): x is { e: E; v: Float32Array } => x.v !== undefined);
  return { vectors: kept.map((x) => x.v), readable: kept.map((x) => x.e), encoded, unreadable };
}

/**
 * An image set's embeddings. Files that turn out undecodable are skipped by name with the reason,
 * as the images cell skips files, and the session's set loses them, so later cells agree.
 */
export async function embedImageSet(
  ctx: StepContext,
  model: ClipModel,
  set: ImageSet,
  cache = stepCache(ctx),
): Promise<{ set: ImageSet; images: EmbeddedImages<ImageEntry> }> {
  const images = await embedImages(ctx, model, set.entries, cache);
  if (images.unreadable.length === 0) return { set, images };
  const dropped = images.unreadable.map(({ entry, reason }) => ({
    id: entry.id,
    reason: reason.split(entry.path).join(entry.id),
  }));
  for (const d of dropped) ctx.log(`images ${set.name}: skipped ${d.id}: ${d.reason}`);
  // The next listing of these files skips them at once, without decoding them again.
  const listing = await ListingCache.open(ctx.cacheDir, (note) => ctx.log(note));
  for (const { entry, reason } of images.unreadable) listing.rememberUnreadable(entry.path, entry.contentHash, reason);
  await listing.save();
  const pruned = withoutEntries(set, dropped);
  ctx.session.imageSets.set(set.name, pruned);
  return { set: pruned, images };
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
