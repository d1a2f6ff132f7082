// One image of a score, as explain and ask pick it: the variant (a descriptor set, never a
// control), the image by path or index, and its evidence per class.
import path from 'node:path';
import type { ImageEntry } from '../../protocol/dataset';
import type { ExplainResult, ScoreResult, VariantResult } from '../../protocol/results';
import { fieldError } from './common';
import type { StepContext } from './step';

/** The named variant, else the last descriptor set the score lists (controls come after those). */
export function pickVariant(ctx: StepContext<unknown>, score: ScoreResult, wanted: string | undefined): VariantResult {
  const explainable = score.variants.filter((v) => v.control === undefined);
  const names = explainable.map((v) => `"${v.name}"`).join(', ');
  if (wanted === undefined) return explainable[explainable.length - 1];
  const found = score.variants.find((v) => v.name === wanted);
  if (!found)
    throw fieldError(
      ctx,
      'variant',
      `Score "${score.name}" has no variant "${wanted}".`,
      `Its descriptor variants are ${names}.`,
    );
  if (found.control !== undefined) {
    throw fieldError(
      ctx,
      'variant',
      `"${found.name}" is a control, made of stand-in descriptors: there is nothing of it to explain.`,
      `Explain one of the descriptor variants: ${names}.`,
    );
  }
  return found;
}

/** The image by 0-based index into the score's predictions, or by path / id. */
export function pickImage(
  ctx: StepContext<unknown>,
  score: ScoreResult,
  variant: VariantResult,
  written: unknown,
): { index: number; entry: ImageEntry } {
  const predictions = variant.predictions;
  const last = predictions.length - 1;
  const set = ctx.session.imageSets.get(score.images);
  const byId = new Map(set?.entries.map((e) => [e.id, e]) ?? []);
  let index: number;
  if (typeof written === 'number') {
    if (!Number.isInteger(written) || written < 0 || written > last) {
      throw fieldError(
        ctx,
        'image',
        `There is no image ${written} in score "${score.name}": it has ${predictions.length} images.`,
        `Use an index from 0 to ${last}, or a path.`,
      );
    }
    index = written;
  } else {
    if (typeof written !== 'string')
      throw fieldError(ctx, 'image', '"image" must be a path or an index.', `e.g. "image: 0" or a path from the set.`);
    const text = written;
    const absolute = ctx.resolvePath(text);
    index = predictions.findIndex((p) => p.image === text || byId.get(p.image)?.path === absolute);
    if (index < 0) {
      // The same file name elsewhere is the likeliest slip (a wrong folder); else show the first.
      const sameName = predictions.findIndex((p) => path.basename(p.image) === path.basename(text));
      const suggestion = sameName >= 0 ? sameName : 0;
      throw fieldError(
        ctx,
        'image',
        `"${text}" is not in image set "${score.images}" that score "${score.name}" ran on (${predictions.length} images; looked for ${absolute}).`,
        `Give a path from that set or an index from 0 to ${last}, e.g. "image: ${suggestion}" for ${predictions[suggestion].image}.`,
      );
    }
  }
  const entry = byId.get(predictions[index].image);
  if (!entry) {
    throw fieldError(
      ctx,
      'score',
      `Image set "${score.images}" has changed since score "${score.name}" ran.`,
      `Re-run the score cell "${score.name}" first.`,
    );
  }
  return { index, entry };
}

/** The image's class scores (best first) with each class's descriptor cosines (highest first). */
export function classEvidence(variant: VariantResult, index: number, classes: string[]): ExplainResult['classes'] {
  const scores = variant.predictions[index].scores;
  const sims = variant.similarity[index];
  return classes
    .map((c) => ({
      class: c,
      score: scores[c],
      descriptors: variant.columns
        .map((col, k) => ({ col, k }))
        .filter(({ col }) => col.class === c)
        .map(({ col, k }) => ({ text: col.text, similarity: sims[k] }))
        .sort((a, b) => b.similarity - a.similarity),
    }))
    .sort((a, b) => b.score - a.score);
}
