// Each class's AUROC on every bootstrap resample, remembered: the draws depend only on the seed,
// the number of resamples and the number of images, so a score run's intervals, its paired
// comparison of variants and the next run's "what changed" (the same seed on the same images)
// all need the very same per-resample AUROCs of the same score columns. Computed once, they cost
// the others nothing; a column is remembered by its exact scores and labels.
import { prepareAuroc, weightedAuroc } from './classification';
import { Resampler } from './resample';

/** One class's AUROC on the full sample (null: undefined) and per resample (NaN: undefined there). */
export interface ResampledAuroc {
  estimate: number | null;
  draws: Float64Array;
}

export interface AurocColumn {
  positive: ArrayLike<boolean>;
  scores: ArrayLike<number>;
}

/** Columns kept; a score run with a few variants and its previous run need some tens. */
const REMEMBERED = 64;
const remembered = new Map<string, ResampledAuroc>();

export function resampledAurocs(columns: readonly AurocColumn[], seed: number, resamples: number): ResampledAuroc[] {
  const n = columns[0]?.scores.length ?? 0;
  const keys = columns.map((c) => columnKey(c, seed, resamples));
  const missing = [...new Set(keys.filter((k) => !remembered.has(k)))];
  if (missing.length > 0) {
    const columnOf = new Map(keys.map((k, i) => [k, columns[i]]));
    const rankings = missing.map((k) => prepareAuroc(columnOf.get(k)!.positive, columnOf.get(k)!.scores));
    const draws = missing.map(() => new Float64Array(resamples));
    const resampler = new Resampler(n, seed);
    const weights = new Uint32Array(n);
    for (let b = 0; b < resamples; b++) {
      resampler.weights(weights);
      rankings.forEach((r, c) => (draws[c][b] = weightedAuroc(r, weights) ?? NaN));
    }
    missing.forEach((k, c) => remember(k, { estimate: weightedAuroc(rankings[c], undefined), draws: draws[c] }));
  }
  return keys.map((k) => {
    const found = remembered.get(k)!;
    remember(k, found);
    return found;
  });
}

function remember(key: string, value: ResampledAuroc): void {
  remembered.delete(key);
  remembered.set(key, value);
  if (remembered.size > REMEMBERED) remembered.delete(remembered.keys().next().value!);
}

function columnKey(column: AurocColumn, seed: number, resamples: number): string {
  const n = column.scores.length;
  const bytes = Buffer.alloc(n * 9);
  for (let i = 0; i < n; i++) {
    bytes.writeDoubleLE(column.scores[i], i * 8);
    bytes[n * 8 + i] = column.positive[i] ? 1 : 0;
  }
  return `${seed >>> 0}:${resamples}:${bytes.toString('latin1')}`;
}
