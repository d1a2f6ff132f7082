// Score outputs of bounded size (docs/scale.md, "Outputs of bounded size"). Up to a budget the
// output keeps every image's prediction and similarity row, as it always did; above it, each
// variant keeps the same few rows (the worst failures of every variant, the images that flipped
// since the previous run, then the first images in image order), and every row goes into a
// per-image Parquet file (report/scoresParquet.ts) that the renderer pages through.
import { labelMargin } from '../protocol/margin';
import { listRows, ROWS_PAGE, type OrderedRow } from '../protocol/rowOrder';
import type { ScoreResult, VariantResult } from '../protocol/results';

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
  return v.predictions.map((prediction, index) => ({
    prediction,
    margin: labelMargin(prediction.label, prediction.scores, classes),
    index,
  }));
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
  const indexOf = new Map(score.variants[0]?.predictions.map((p, i) => [p.image, i]));
  const wanted = new Set<number>();
  const add = (i: number | undefined) => i !== undefined && wanted.size < limit && wanted.add(i);
  for (const v of score.changes?.variants ?? [])
    for (const f of v.flipped.slice(0, FLIPPED_SHOWN)) add(indexOf.get(f.image));
  const failures = score.variants.map((v) => listRows(orderedRows(v, score.classes), undefined, multiLabel));
  // The first page of every variant's gallery, taken in turn across variants.
  for (let rank = 0; rank < ROWS_PAGE; rank++) for (const f of failures) add(f[rank]?.index);
  for (let i = 0; i < n && wanted.size < limit; i++) add(i);
  const indices = [...wanted].sort((a, b) => a - b);
  // Per variant, how many of its gallery's first failures are kept, in order: the renderer asks
  // for the list from there on.
  const leading = failures.map((f) => {
    const at = f.findIndex((r) => !wanted.has(r.index));
    return at < 0 ? f.length : at;
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
      failures: failures.map((f) => f.length),
      failuresKept: leading,
    },
  };
}
