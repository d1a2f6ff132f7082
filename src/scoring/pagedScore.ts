// Score outputs of bounded size (docs/scale.md, "Outputs of bounded size"). Up to a budget the
// output keeps every image's prediction and similarity row, as it always did; above it, each
// variant keeps the same few rows (the worst failures of every variant, the images that flipped
// since the previous run, then the first images in image order), and every row goes into a
// per-image Parquet file (report/scoresParquet.ts) that the renderer pages through.
import { firstSorted } from '../common/firstSorted';
import { classDifference, sameClasses } from '../protocol/classes';
import { byMargin, ROWS_PAGE, type OrderedRow } from '../protocol/rowOrder';
import type { Prediction, ScoreResult, VariantResult } from '../protocol/results';
import { rowMargins } from './margins';

/** Estimated bytes of per-image data (predictions + similarity, every variant) kept inline. */
export const INLINE_BUDGET_BYTES = 500_000;
/** A paged output's rows per variant: at most this many, and at most SHOWN_BUDGET_BYTES of them. */
export const MAX_SHOWN = 500;
const SHOWN_BUDGET_BYTES = 300_000;
/** Flipped images listed in a paged output's "what changed" (their count is kept). */
export const MAX_FLIPPED = 100;
/**
 * The first flipped images (since the previous run) that a score output shows with an inline
 * thumbnail, and whose rows a paged output keeps per variant.
 */
export const FLIPPED_SHOWN = 16;
/** Rows per variant measured for the estimate. */
const SAMPLE = 64;

/** The JSON size of every variant's predictions and similarity rows, estimated from a sample. */
export function perImageBytes(score: Pick<ScoreResult, 'variants'>): number {
  const n = score.variants[0]?.predictions.length ?? 0;
  if (n === 0) return 0;
  const step = Math.max(1, Math.floor(n / SAMPLE));
  let sampled = 0;
  let bytes = 0;
  for (let i = 0; i < n; i += step) {
    sampled++;
    for (const v of score.variants)
      bytes += JSON.stringify(v.predictions[i]).length + JSON.stringify(v.similarity[i] ?? []).length + 2;
  }
  return Math.round((bytes / sampled) * n);
}

export function needsPaging(score: Pick<ScoreResult, 'variants'>): boolean {
  return perImageBytes(score) > INLINE_BUDGET_BYTES;
}

/** A variant's rows with their margins, as protocol/rowOrder.ts orders them. */
export function orderedRows(v: Pick<VariantResult, 'predictions'>, classes: string[]): OrderedRow[] {
  const margins = rowMargins(v.predictions, classes);
  return v.predictions.map((prediction, index) => ({ prediction, margin: margins[index], index }));
}

/**
 * A variant's failures as its gallery lists them (protocol/rowOrder.ts listRows, whose order this
 * repeats on positions): how many there are, and the positions of the first `k`.
 */
function failureList(v: VariantResult, classes: string[], multiLabel: boolean, k: number) {
  const margins = rowMargins(v.predictions, classes);
  const wrong = new Int32Array(v.predictions.length);
  const failures: number[] = [];
  v.predictions.forEach((p, i) => {
    if (sameClasses(p.label, p.predicted)) return;
    failures.push(i);
    if (multiLabel) wrong[i] = classDifference(p.label, p.predicted);
  });
  const first = firstSorted(failures, k, (a, b) => wrong[b] - wrong[a] || byMargin(margins[a], margins[b]) || a - b);
  return { count: failures.length, first };
}

/** The positions of `images` among the predictions (the last, should one repeat). */
function positions(predictions: Prediction[], images: Set<string>): Map<string, number> {
  const at = new Map<string, number>();
  if (images.size) predictions.forEach((p, i) => images.has(p.image) && at.set(p.image, i));
  return at;
}

/** The output of `score` keeping only its shown rows; `run` names its per-image file. */
export function pagedScore(score: ScoreResult, run: string, maxShown = MAX_SHOWN): ScoreResult {
  const n = score.variants[0]?.predictions.length ?? 0;
  const multiLabel = score.multiLabel === true;
  const rowBytes = perImageBytes(score) / Math.max(1, n);
  const limit = Math.min(
    n,
    maxShown,
    Math.max(Math.min(ROWS_PAGE, maxShown), Math.floor(SHOWN_BUDGET_BYTES / Math.max(1, rowBytes))),
  );
  const flipped = (score.changes?.variants ?? []).map((v) => v.flipped.slice(0, FLIPPED_SHOWN).map((f) => f.image));
  const indexOf = positions(score.variants[0]?.predictions ?? [], new Set(flipped.flat()));
  const wanted = new Set<number>();
  const add = (i: number | undefined) => i !== undefined && wanted.size < limit && wanted.add(i);
  for (const images of flipped) for (const image of images) add(indexOf.get(image));
  // Past `limit` failures, one of the first limit + 1 is not kept: enough to count those kept.
  const failures = score.variants.map((v) => failureList(v, score.classes, multiLabel, Math.max(ROWS_PAGE, limit + 1)));
  // The first page of every variant's gallery, taken in turn across variants.
  for (let rank = 0; rank < ROWS_PAGE; rank++) for (const f of failures) add(f.first[rank]);
  for (let i = 0; i < n && wanted.size < limit; i++) add(i);
  const indices = [...wanted].sort((a, b) => a - b);
  // Per variant, how many of its gallery's first failures are kept, in order: the renderer asks
  // for the list from there on.
  const leading = failures.map((f) => {
    const at = f.first.findIndex((i) => !wanted.has(i));
    return at < 0 ? f.count : at;
  });
  return {
    ...score,
    variants: score.variants.map((v) => ({
      ...v,
      predictions: indices.map((i) => v.predictions[i]),
      similarity: indices.map((i) => v.similarity[i]),
    })),
    ...(score.changes
      ? {
          changes: {
            ...score.changes,
            variants: score.changes.variants.map((v) =>
              v.flipped.length > MAX_FLIPPED
                ? { ...v, flipped: v.flipped.slice(0, MAX_FLIPPED), flippedTotal: v.flipped.length }
                : v,
            ),
          },
        }
      : {}),
    perImage: {
      mode: 'sidecar',
      run,
      images: n,
      shown: indices.length,
      indices,
      failures: failures.map((f) => f.count),
      failuresKept: leading,
    },
  };
}
