// DeLong's method (DeLong, DeLong & Clarke-Pearson 1988) for AUROC intervals and the paired AUROC
// test, as pROC's ci.auc(method = "delong") and roc.test(method = "delong", paired = TRUE) compute
// them, with Sun & Xu's (2014) midrank algorithm: one sort per class and variant, then O(n), where
// the bootstrap costs a pass over every image per resample (docs/methods.md, "Statistics").
//
// Each AUROC is written as a sum of per-image terms ψ (its structural components, centred and
// scaled): a positive i contributes (V10_i − A) / √(m(m − 1)), a negative j (V01_j − A) / √(n(n − 1)),
// where V10_i is the share of negatives i outranks (ties one half), V01_j the share of positives
// that outrank j, m positives and n negatives. Σψ² is then DeLong's variance S10/m + S01/n, and
// Σ ψ_A ψ_B over two variants on the same images is DeLong's covariance S10_AB/m + S01_AB/n. A
// difference or a mean of AUROCs is a linear combination, so its variance is Σ (combined ψ)².
// For a mean over classes (whose positives differ) this pairs each image's components across
// classes, the same construction extended; for a single class it is DeLong's estimator exactly.
import type { ConfidenceInterval, IntervalMethod, PairedDifference } from '../protocol/statistics';
import { sameBytes } from '../common/sameBytes';
import { prepareAuroc } from './classification';
import { normalCdf, normalQuantile } from './normal';

/** A score cell's `intervals:` choices. */
export const INTERVAL_CHOICES = ['auto', 'bootstrap', 'delong'] as const;
/**
 * `intervals: auto` switches AUROC intervals and paired AUROC tests to DeLong's method from this
 * many images: there the bootstrap's pass over every image per resample, class and variant takes
 * seconds on two cores, while DeLong needs one sort (docs/methods.md, "Statistics").
 */
export const DELONG_FROM_IMAGES = 5000;

/** The AUROC interval method a score cell (`intervals: choice`) uses on `images` images. */
export function aurocIntervalMethod(choice: string, images: number): IntervalMethod {
  if (choice === 'bootstrap' || choice === 'delong') return choice;
  return images >= DELONG_FROM_IMAGES ? 'delong' : 'bootstrap';
}

/** An AUROC with its DeLong components: variance = Σ psi². */
export interface AurocComponents {
  auroc: number;
  /** Per image (input order), the scaled structural component. */
  psi: Float64Array;
}

/**
 * The AUROC of `scores` for the positives in `isPositive` and its DeLong components. Null when
 * there are fewer than two positives or two negatives (the variance divides by m − 1 and n − 1).
 */
export function aurocComponents(isPositive: ArrayLike<boolean>, scores: ArrayLike<number>): AurocComponents | null {
  const { index, positive, groupEnd } = prepareAuroc(isPositive, scores);
  const n = index.length;
  let positives = 0;
  for (let k = 0; k < n; k++) positives += positive[k];
  const negatives = n - positives;
  if (positives < 2 || negatives < 2) return null;
  // Walking tie groups in ascending score order, the midrank differences of Sun & Xu reduce to
  // counts: a positive's placement is (negatives below + half the negatives tied with it) / n, a
  // negative's is (positives above + half the positives tied with it) / m.
  const placement = new Float64Array(n);
  let positivesBelow = 0;
  let negativesBelow = 0;
  let sumPositivePlacements = 0;
  let k = 0;
  for (let g = 0; g < groupEnd.length; g++) {
    const end = groupEnd[g];
    let groupPositive = 0;
    for (let j = k; j < end; j++) groupPositive += positive[j];
    const groupNegative = end - k - groupPositive;
    const positivePlacement = (negativesBelow + groupNegative / 2) / negatives;
    const negativePlacement = (positives - positivesBelow - groupPositive / 2) / positives;
    for (; k < end; k++) {
      placement[index[k]] = positive[k] ? positivePlacement : negativePlacement;
    }
    sumPositivePlacements += groupPositive * positivePlacement;
    positivesBelow += groupPositive;
    negativesBelow += groupNegative;
  }
  const auroc = sumPositivePlacements / positives;
  const positiveScale = 1 / Math.sqrt(positives * (positives - 1));
  const negativeScale = 1 / Math.sqrt(negatives * (negatives - 1));
  const psi = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    psi[i] = (placement[i] - auroc) * (isPositive[i] ? positiveScale : negativeScale);
  }
  return { auroc, psi };
}

/** Σ psi² of a linear combination Σ weight·components: the DeLong variance of that combination. */
export function combinedVariance(terms: readonly { weight: number; components: AurocComponents }[]): number {
  const n = terms[0]?.components.psi.length ?? 0;
  let variance = 0;
  for (let i = 0; i < n; i++) {
    let psi = 0;
    for (const t of terms) psi += t.weight * t.components.psi[i];
    variance += psi * psi;
  }
  return variance;
}

/** The normal (Wald) interval estimate ± z·√variance on the AUROC scale, clipped to [0, 1] as pROC does. */
export function delongInterval(estimate: number, variance: number, images: number, level: number): ConfidenceInterval {
  const half = normalQuantile((1 + level) / 2) * Math.sqrt(variance);
  return {
    estimate,
    low: Math.max(0, estimate - half),
    high: Math.min(1, estimate + half),
    level,
    valid: images,
    method: 'delong',
  };
}

/** The mean of the given AUROCs (of one, that AUROC) with its DeLong interval; null without any. */
export function meanAurocInterval(components: readonly AurocComponents[], level: number): ConfidenceInterval | null {
  if (components.length === 0) return null;
  const weight = 1 / components.length;
  const mean = components.reduce((sum, c) => sum + c.auroc, 0) * weight;
  const variance = combinedVariance(components.map((c) => ({ weight, components: c })));
  return delongInterval(mean, variance, components[0].psi.length, level);
}

/**
 * DeLong's paired test of mean(variant AUROCs) − mean(baseline AUROCs) over the given pairs (one
 * pair per class; a single pair is roc.test's paired DeLong test): z = difference / √variance,
 * two-sided p = 2Φ(−|z|), and the interval difference ± z_(1+level)/2 · √variance.
 */
export function pairedDelong(
  pairs: readonly [AurocComponents, AurocComponents][],
  level: number,
): PairedDifference | null {
  if (pairs.length === 0) return null;
  const weight = 1 / pairs.length;
  const baseline = pairs.reduce((sum, [a]) => sum + a.auroc, 0) * weight;
  const variant = pairs.reduce((sum, [, b]) => sum + b.auroc, 0) * weight;
  const difference = variant - baseline;
  const variance = combinedVariance(
    pairs.flatMap(([a, b]) => [
      { weight: -weight, components: a },
      { weight, components: b },
    ]),
  );
  const sd = Math.sqrt(variance);
  // Identical rankings have no variance: no difference (p = 1), or a certain one.
  const p = sd > 0 ? Math.min(1, 2 * normalCdf(-Math.abs(difference) / sd)) : difference === 0 ? 1 : 0;
  const half = normalQuantile((1 + level) / 2) * sd;
  return {
    baseline,
    variant,
    difference,
    low: Math.max(-1, difference - half),
    high: Math.min(1, difference + half),
    level,
    p,
    valid: pairs[0][0].psi.length,
    method: 'delong',
  };
}

/**
 * DeLong intervals of each class's AUROC and of their mean (over the classes whose DeLong variance
 * is defined: at least two positives and two negatives).
 */
export function delongIntervals(
  positives: readonly ArrayLike<boolean>[],
  scores: readonly (readonly number[])[],
  classes: readonly string[],
  level: number,
): { auroc: Record<string, ConfidenceInterval | null>; meanAuroc: ConfidenceInterval | null } {
  const components = classComponents(positives, scores, classes);
  return {
    auroc: Object.fromEntries(
      classes.map((c, k) => [c, components[k] ? meanAurocInterval([components[k]], level) : null]),
    ),
    meanAuroc: meanAurocInterval(
      components.filter((x): x is AurocComponents => x !== null),
      level,
    ),
  };
}

/** bootstrap.ts's pairedAurocComparison by DeLong's paired test, per class and for the mean over classes. */
export function pairedDelongComparison(
  positives: readonly ArrayLike<boolean>[],
  baselineScores: readonly (readonly number[])[],
  variantScores: readonly (readonly number[])[],
  classes: readonly string[],
  level: number,
): { perClass: Record<string, PairedDifference | null>; mean: PairedDifference | null } {
  const base = classComponents(positives, baselineScores, classes);
  const variant = classComponents(positives, variantScores, classes);
  // The positives are the same for both variants, so a class is defined for both or for neither.
  const pairs = classes.map((_, c) =>
    base[c] && variant[c] ? ([base[c], variant[c]] as [AurocComponents, AurocComponents]) : null,
  );
  return {
    perClass: Object.fromEntries(classes.map((c, k) => [c, pairs[k] ? pairedDelong([pairs[k]], level) : null])),
    mean: pairedDelong(
      pairs.filter((x) => x !== null),
      level,
    ),
  };
}

function classComponents(
  positives: readonly ArrayLike<boolean>[],
  scores: readonly (readonly number[])[],
  classes: readonly string[],
): (AurocComponents | null)[] {
  return classes.map((_, c) => {
    const column = new Float64Array(scores.length);
    for (let i = 0; i < scores.length; i++) column[i] = scores[i][c];
    return rememberedComponents(positives[c], column);
  });
}

/**
 * Components kept for reuse: a one-descriptor edit changes one class's scores, and the other
 * classes' columns are the very numbers of the previous run; "what changed" and the paired tests
 * between variants need the components of columns the run's own intervals just ranked. Each
 * sort of 100,000 scores costs tens of milliseconds of the edit loop.
 */
interface Remembered {
  scores: Float64Array;
  positive: Uint8Array;
  components: AurocComponents | null;
}

/** Bytes kept (scores, positives and components: 17 an image); the least recently used go first. */
const REMEMBERED_BYTES = 48 * 2 ** 20;
const remembered = new Map<string, Remembered[]>();
let rememberedBytes = 0;

/**
 * aurocComponents(isPositive, scores), taken from the memory when an entry has these scores and
 * positives value for value (a cheap fingerprint finds the candidates, a full comparison decides),
 * so a remembered result is exactly the one a new computation would give. Callers must not write
 * into the returned components.
 */
export function rememberedComponents(isPositive: ArrayLike<boolean>, scores: Float64Array): AurocComponents | null {
  const n = scores.length;
  const positive = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (isPositive[i]) positive[i] = 1;
  const key = fingerprint(scores, positive);
  const candidates = remembered.get(key) ?? [];
  const found = candidates.find((r) => sameBytes(r.scores, scores) && sameBytes(r.positive, positive));
  if (found) {
    // Most recently used last.
    remembered.delete(key);
    remembered.set(key, candidates);
    return found.components;
  }
  const components = aurocComponents(isPositive, scores);
  remembered.delete(key);
  remembered.set(key, [...candidates, { scores: scores.slice(), positive, components }]);
  rememberedBytes += 17 * n;
  for (const [oldest, entries] of remembered) {
    if (rememberedBytes <= REMEMBERED_BYTES || oldest === key) break;
    remembered.delete(oldest);
    for (const e of entries) rememberedBytes -= 17 * e.scores.length;
  }
  return components;
}

/** Forget the remembered components (tests). */
export function forgetComponents(): void {
  remembered.clear();
  rememberedBytes = 0;
}

/** Length, positives count and 64 sampled scores: equal inputs always share it. */
function fingerprint(scores: Float64Array, positive: Uint8Array): string {
  let positives = 0;
  for (let i = 0; i < positive.length; i++) positives += positive[i];
  const step = Math.max(1, Math.floor(scores.length / 64));
  const sample: number[] = [scores.length, positives];
  for (let i = 0; i < scores.length; i += step) sample.push(scores[i]);
  return sample.join(',');
}
