// Percentile bootstrap CIs (docs/methods.md, "Statistics": 95 %, 1,000 resamples, seeded) and the paired bootstrap
// of an AUROC difference between two variants scored on the same images.
//
// A resample is represented by multiplicities (how often each image was drawn) rather than a
// copied list, so every metric is one O(n) pass per resample: AUROC reuses one sort of the scores
// (weightedAuroc), the others one weighted confusion matrix. 10k images × 10 classes × 1,000
// resamples stays within a second or two.
import type { ConfidenceInterval, IntervalMethod, IntervalSource, PairedDifference } from '../protocol/statistics';
import {
  accuracyFromConfusion,
  balancedAccuracyFromConfusion,
  classIndices,
  macroF1FromConfusion,
  prepareAuroc,
  tableRows,
  weightedAuroc,
} from './classification';
import { delongIntervals, pairedDelongComparison } from './delong';
import { Resampler, type Cells, type TableDraws } from './resample';
import { resampledAurocs, type ResampledAuroc } from './aurocResamples';

export interface BootstrapOptions {
  /** Number of resamples; 1,000 by default. */
  resamples?: number;
  /** PRNG seed; 0 by default. The same seed gives the same interval. */
  seed?: number;
  /** Coverage of the interval; 0.95 by default. */
  level?: number;
  /**
   * How AUROC intervals and paired AUROC tests are computed: the bootstrap (default), or DeLong's
   * method (metrics/delong.ts), which costs one sort instead of a pass per resample.
   */
  auroc?: IntervalMethod;
  /**
   * How statistics of a table (the `cells` path) draw their resamples (resample.ts,
   * tableDrawsFor): the images' own draws (default) or multinomial cell counts.
   */
  tableDraws?: TableDraws;
}

/** A statistic of the sample where image i is counted weights[i] times. */
export type WeightedStatistic = (weights: Uint32Array) => number | null;

/**
 * Percentile bootstrap CI of any statistic over n images. Null when the statistic is undefined
 * on the full sample or on every resample.
 */
export function bootstrapCI(
  n: number,
  statistic: WeightedStatistic,
  options: BootstrapOptions = {},
): ConfidenceInterval | null {
  return bootstrapMany(n, [statistic], options)[0];
}

/**
 * Several statistics on the same resamples (cheaper, and their intervals come from one
 * consistent set of draws).
 */
export function bootstrapMany(
  n: number,
  statistics: readonly WeightedStatistic[],
  options: BootstrapOptions = {},
): (ConfidenceInterval | null)[] {
  return bootstrapVector(n, (w) => statistics.map((s) => s(w)), options);
}

/**
 * Like bootstrapMany, for statistics that share work within a resample: `evaluate` gives all of
 * them for one weighting (e.g. three metrics of one confusion matrix). Its length must not vary.
 */
export function bootstrapVector(
  n: number,
  evaluate: (weights: Uint32Array) => (number | null)[],
  options: BootstrapOptions = {},
  cells?: Cells,
): (ConfidenceInterval | null)[] {
  const { resamples, level, resampler } = resolve(n, options);
  const { counts, draw, method } = drawer(n, resampler, cells, options);
  const estimates = evaluate(counts);
  const draws = estimates.map(() => [] as number[]);
  for (let b = 0; b < resamples; b++) {
    draw();
    evaluate(counts).forEach((v, k) => {
      if (estimates[k] !== null && v !== null && Number.isFinite(v)) draws[k].push(v);
    });
  }
  return estimates.map((estimate, k) =>
    estimate === null ? null : percentileInterval(estimate, draws[k], level, method),
  );
}

/**
 * The mean of per-unit values (e.g. NDCG@k of each search query) with a percentile bootstrap CI
 * that resamples the units. Null without values; with one value the interval is that value.
 */
export function meanCI(values: readonly number[], options: BootstrapOptions = {}): ConfidenceInterval | null {
  if (values.length === 0) return null;
  const mean: WeightedStatistic = (w) => {
    let sum = 0;
    let count = 0;
    for (let i = 0; i < values.length; i++) {
      sum += w[i] * values[i];
      count += w[i];
    }
    return count > 0 ? sum / count : null;
  };
  return bootstrapCI(values.length, mean, options);
}

export interface ClassificationCIs {
  accuracy: ConfidenceInterval;
  balancedAccuracy: ConfidenceInterval;
  macroF1: ConfidenceInterval;
  /** Null where the class's AUROC is undefined (no positives or no negatives). */
  auroc: Record<string, ConfidenceInterval | null>;
}

/** Bootstrap CIs of every metric of classificationMetrics, all from the same resamples. */
export function classificationCIs(
  labels: readonly string[],
  predicted: readonly string[],
  scores: readonly (readonly number[])[],
  classes: readonly string[],
  options: BootstrapOptions = {},
): ClassificationCIs {
  if (labels.length === 0) throw new Error('No images to bootstrap');
  const trueIndex = classIndices(labels, classes, 'label');
  const predictedIndex = classIndices(predicted, classes, 'prediction');
  const positives = classes.map((_, c) => Array.from(trueIndex, (t) => t === c));
  const k = classes.length;
  if (options.tableDraws === 'multinomial' && options.auroc !== 'delong')
    throw new Error('Multinomial table draws would not be the draws of the bootstrapped AUROCs');
  // The draws are counted straight into the confusion matrix's cells; one matrix per resample
  // serves all three of its metrics. Bootstrapped AUROCs come from the same draws (aurocResamples.ts).
  const [accuracy, balancedAccuracy, macroF1] = bootstrapVector(
    labels.length,
    (counts) => {
      const confusion = tableRows(counts, k);
      return [
        accuracyFromConfusion(confusion),
        balancedAccuracyFromConfusion(confusion),
        macroF1FromConfusion(confusion),
      ];
    },
    options,
    { of: trueIndex.map((t, i) => t * k + predictedIndex[i]), count: k * k },
  );
  const { level } = resolve(0, options);
  const aurocs =
    options.auroc === 'delong'
      ? undefined
      : classResamples(positives, scores, options).map((r) => aurocInterval(r, level));
  return {
    accuracy: accuracy!,
    balancedAccuracy: balancedAccuracy!,
    macroF1: macroF1!,
    auroc: aurocs
      ? Object.fromEntries(classes.map((c, k) => [c, aurocs[k]]))
      : delongIntervals(positives, scores, classes, level).auroc,
  };
}

/** Multi-label sets: a bootstrap CI of each class's AUROC (from its 0/1 column) and of their mean. */
export function multiLabelCIs(
  labels: readonly (readonly number[])[],
  scores: readonly (readonly number[])[],
  classes: readonly string[],
  options: BootstrapOptions = {},
): { auroc: Record<string, ConfidenceInterval | null>; meanAuroc: ConfidenceInterval | null } {
  const positives = classes.map((_, c) => labels.map((row) => row[c] === 1));
  if (options.auroc === 'delong') return delongIntervals(positives, scores, classes, resolve(0, options).level);
  const perClass = classes.map((_, c) =>
    aurocStatistic(
      positives[c],
      scores.map((row) => row[c]),
    ),
  );
  const mean: WeightedStatistic = (w) => {
    const defined = perClass.map((s) => s(w)).filter((v): v is number => v !== null);
    return defined.length > 0 ? defined.reduce((a, b) => a + b, 0) / defined.length : null;
  };
  const intervals = bootstrapMany(labels.length, [...perClass, mean], options);
  return {
    auroc: Object.fromEntries(classes.map((c, k) => [c, intervals[k]])),
    meanAuroc: intervals[classes.length],
  };
}

/** AUROC of one class as a weighted statistic (one sort, reused by every resample). */
export function aurocStatistic(isPositive: ArrayLike<boolean>, scores: ArrayLike<number>): WeightedStatistic {
  const ranking = prepareAuroc(isPositive, scores);
  return (w) => weightedAuroc(ranking, w);
}

/** Paired bootstrap of AUROC(variant) − AUROC(baseline) for one class. Null if AUROC is undefined. */
export function pairedBootstrapAuroc(
  isPositive: ArrayLike<boolean>,
  baselineScores: ArrayLike<number>,
  variantScores: ArrayLike<number>,
  options: BootstrapOptions = {},
): PairedDifference | null {
  return pairedBootstrap(
    isPositive.length,
    aurocStatistic(isPositive, baselineScores),
    aurocStatistic(isPositive, variantScores),
    options,
  );
}

/** Paired bootstrap of variant − baseline for any pair of weighted statistics on the same images. */
export function pairedBootstrap(
  n: number,
  baseline: WeightedStatistic,
  variant: WeightedStatistic,
  options: BootstrapOptions = {},
): PairedDifference | null {
  return pairedBootstrapMany(n, (w) => [[baseline(w), variant(w)]], options)[0];
}

/**
 * Per class AUROC differences plus the difference of their mean (over the classes whose AUROC is
 * defined in that resample), from one set of paired resamples. `positives[c][i]` is true when
 * image i is a positive of classes[c] (single-label: label === class; multi-label: its 0/1
 * column); `baselineScores[i][c]` and `variantScores[i][c]` are the two variants' class scores.
 */
export function pairedAurocComparison(
  positives: readonly ArrayLike<boolean>[],
  baselineScores: readonly (readonly number[])[],
  variantScores: readonly (readonly number[])[],
  classes: readonly string[],
  options: BootstrapOptions = {},
): { perClass: Record<string, PairedDifference | null>; mean: PairedDifference | null } {
  const n = baselineScores.length;
  if (variantScores.length !== n)
    throw new Error(`Paired comparison needs the same images: ${n} vs ${variantScores.length}`);
  if (options.auroc === 'delong')
    return pairedDelongComparison(positives, baselineScores, variantScores, classes, resolve(0, options).level);
  const base = classResamples(positives, baselineScores, options);
  const variant = classResamples(positives, variantScores, options);
  const at = (r: ResampledAuroc, b: number) => (b < 0 ? r.estimate : Number.isNaN(r.draws[b]) ? null : r.draws[b]);
  const results = pairedBootstrapMany(
    n,
    (_, b) => {
      const pairs: [number | null, number | null][] = classes.map((_, c) => [at(base[c], b), at(variant[c], b)]);
      // Both means over the same classes; AUROC is defined for both variants or for neither.
      const defined = pairs.filter(([a, b]) => a !== null && b !== null) as [number, number][];
      const mean = (k: 0 | 1) =>
        defined.length > 0 ? defined.reduce((sum, pair) => sum + pair[k], 0) / defined.length : null;
      pairs.push([mean(0), mean(1)]);
      return pairs;
    },
    options,
  );
  return {
    perClass: Object.fromEntries(classes.map((c, k) => [c, results[k]])),
    mean: results[classes.length],
  };
}

/**
 * Paired bootstraps of several statistics from one set of resamples: `evaluate` gives
 * [baseline, variant] of each compared statistic for one weighting, the resample's number
 * (−1: the full sample) for statistics remembered per resample (aurocResamples.ts). Each result is the one
 * pairedBootstrap gives for that statistic alone with the same seed (the draws do not depend on
 * the statistics), at the cost of one pass of draws.
 */
export function pairedBootstrapMany(
  n: number,
  evaluate: (weights: Uint32Array, resample: number) => [number | null, number | null][],
  options: BootstrapOptions,
  cells?: Cells,
): (PairedDifference | null)[] {
  const { resamples, level, resampler } = resolve(n, options);
  const { counts, draw, method } = drawer(n, resampler, cells, options);
  const full = evaluate(counts, -1);
  const draws = full.map(() => [] as number[]);
  for (let r = 0; r < resamples; r++) {
    draw();
    evaluate(counts, r).forEach(([a, b], k) => {
      if (a !== null && b !== null) draws[k].push(b - a);
    });
  }
  return full.map(([baseline, variant], k) => {
    if (baseline === null || variant === null) return null;
    const difference = variant - baseline;
    const interval = percentileInterval(difference, draws[k], level);
    if (interval === null) return null;
    let atOrBelow = 0;
    let atOrAbove = 0;
    for (const d of draws[k]) {
      if (d <= 0) atOrBelow++;
      if (d >= 0) atOrAbove++;
    }
    const valid = draws[k].length;
    const p = Math.min(1, (2 * (Math.min(atOrBelow, atOrAbove) + 1)) / (valid + 1));
    return {
      baseline,
      variant,
      difference,
      low: interval.low,
      high: interval.high,
      level,
      p,
      valid,
      method,
    };
  });
}

/**
 * The (1 − level)/2 and (1 + level)/2 quantiles of the draws, interpolated linearly between
 * order statistics (numpy's default "linear" method). Null without draws.
 */
export function percentileInterval(
  estimate: number,
  draws: number[],
  level: number,
  method: IntervalSource = 'bootstrap',
): ConfidenceInterval | null {
  if (draws.length === 0) return null;
  const sorted = Float64Array.from(draws).sort();
  return {
    estimate,
    low: quantile(sorted, (1 - level) / 2),
    high: quantile(sorted, (1 + level) / 2),
    level,
    valid: sorted.length,
    method,
  };
}

/** Linear-interpolation quantile of ascending values (numpy method "linear"). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}

/**
 * The array `evaluate` reads, filled first with the full sample (every image once), then by each
 * `draw` with the next resample: multiplicities per image, or draws per cell (counted from the
 * images' draws, or drawn from their multinomial where options.tableDraws says so).
 */
function drawer(
  n: number,
  resampler: Resampler,
  cells: Cells | undefined,
  options: BootstrapOptions,
): { counts: Uint32Array; draw: () => void; method: IntervalSource } {
  if (!cells) {
    const weights = new Uint32Array(n).fill(1);
    return { counts: weights, draw: () => resampler.weights(weights), method: 'bootstrap' };
  }
  const counts = new Uint32Array(cells.count);
  for (let i = 0; i < n; i++) counts[cells.of[i]]++;
  if (options.tableDraws !== 'multinomial')
    return { counts, draw: () => resampler.cells(cells.of, counts), method: 'bootstrap' };
  const totals = counts.slice();
  return { counts, draw: () => resampler.multinomialCells(totals, counts), method: 'bootstrap-multinomial' };
}

function resolve(n: number, options: BootstrapOptions): { resamples: number; level: number; resampler: Resampler } {
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new Error(`resamples must be a positive integer, not ${resamples}`);
  if (!(level > 0 && level < 1)) throw new Error(`level must lie between 0 and 1, not ${level}`);
  return { resamples, level, resampler: new Resampler(n, options.seed ?? 0) };
}

/** Each class's AUROC column of `scores` under the resamples of `options`. */
function classResamples(
  positives: readonly ArrayLike<boolean>[],
  scores: readonly (readonly number[])[],
  options: BootstrapOptions,
): ResampledAuroc[] {
  const { resamples } = resolve(0, options);
  const columns = positives.map((positive, c) => ({ positive, scores: scores.map((row) => row[c]) }));
  return resampledAurocs(columns, options.seed ?? 0, resamples);
}

/** The percentile interval of one class's AUROC, as bootstrapVector gives it. */
function aurocInterval(r: ResampledAuroc, level: number): ConfidenceInterval | null {
  if (r.estimate === null) return null;
  return percentileInterval(
    r.estimate,
    Array.from(r.draws).filter((v) => Number.isFinite(v)),
    level,
  );
}
