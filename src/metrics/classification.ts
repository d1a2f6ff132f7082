// Classification metrics of docs/methods.md: accuracy, balanced accuracy, macro-F1, per-class
// one-vs-rest AUROC (rank-based, ties averaged) and the confusion matrix, plus a multi-label
// variant. Pure functions; O(n·classes) apart from one sort per class for AUROC, so 10k images ×
// 10 classes takes milliseconds.
//
// A class that appears in `classes` but in no label (e.g. the descriptor set names a class the
// test split lacks) has no recall and no defined F1. Balanced accuracy and macro-F1 therefore
// average over the classes present in the labels only; the absent class still counts where it
// does harm: images wrongly predicted as it lower the recall of their true class. Its AUROC is
// null (no positives). This matches scikit-learn's balanced_accuracy_score, and its f1_score with
// `labels=` set to the present classes.
import type { ClassificationMetrics } from '../protocol/results';
import { ascendingOrder } from './argsort';

/**
 * One-vs-rest AUROC of `scores` for the positives in `isPositive`: the Mann–Whitney U statistic
 * over positives × negatives, a tie counting one half (ranks averaged over ties). Null when there
 * are no positives or no negatives, where AUROC is undefined.
 */
export function auroc(isPositive: ArrayLike<boolean | number>, scores: ArrayLike<number>): number | null {
  return weightedAuroc(prepareAuroc(isPositive, scores), undefined);
}

/** One class's images in ascending score order, cut into groups of tied scores. */
export interface AurocRanking {
  /** Image indices in ascending score order. */
  index: Uint32Array;
  /** 1 where the image at that sorted position is a positive. */
  positive: Uint8Array;
  /** Exclusive end (in sorted positions) of each group of equal scores. */
  groupEnd: Uint32Array;
}

/** Sorts once so that AUROC under any weighting is one linear pass (see weightedAuroc). */
export function prepareAuroc(isPositive: ArrayLike<boolean | number>, scores: ArrayLike<number>): AurocRanking {
  const n = scores.length;
  if (isPositive.length !== n) throw new Error(`auroc: ${isPositive.length} labels but ${n} scores`);
  const index = ascendingOrder(scores);
  const positive = new Uint8Array(n);
  const ends = new Uint32Array(n);
  let groups = 0;
  for (let k = 0; k < n; k++) {
    positive[k] = isPositive[index[k]] ? 1 : 0;
    if (k + 1 === n || scores[index[k + 1]] !== scores[index[k]]) ends[groups++] = k + 1;
  }
  return { index, positive, groupEnd: ends.slice(0, groups) };
}

/**
 * AUROC with each image counted `weights[i]` times (once when omitted). Walking tie groups in
 * ascending order, each positive beats every negative below its group and ties half of those
 * inside it. The bootstrap passes resample multiplicities, so one sort serves all resamples.
 */
export function weightedAuroc(ranking: AurocRanking, weights: ArrayLike<number> | undefined): number | null {
  const { index, positive, groupEnd } = ranking;
  let negativesBelow = 0;
  let totalPositive = 0;
  let wins = 0;
  let k = 0;
  for (let g = 0; g < groupEnd.length; g++) {
    const end = groupEnd[g];
    let groupPositive = 0;
    let groupAll = 0;
    // Products instead of a branch on a label that changes at random from one image to the next;
    // every sum is of whole numbers (or halves), so exact in any form.
    if (weights) {
      for (; k < end; k++) {
        const w = weights[index[k]];
        groupAll += w;
        groupPositive += w * positive[k];
      }
    } else {
      for (; k < end; k++) {
        groupAll++;
        groupPositive += positive[k];
      }
    }
    const groupNegative = groupAll - groupPositive;
    wins += groupPositive * (negativesBelow + 0.5 * groupNegative);
    negativesBelow += groupNegative;
    totalPositive += groupPositive;
  }
  if (totalPositive === 0 || negativesBelow === 0) return null;
  return wins / (totalPositive * negativesBelow);
}

/** confusion[i][j] = images of true class i predicted as class j, in `classes` order. */
export function confusionMatrix(
  labels: readonly string[],
  predicted: readonly string[],
  classes: readonly string[],
): number[][] {
  const trueIndex = classIndices(labels, classes, 'label');
  const predictedIndex = classIndices(predicted, classes, 'prediction');
  return weightedConfusion(trueIndex, predictedIndex, classes.length, undefined);
}

/** Confusion counts from class indices, each image counted `weights[i]` times. */
export function weightedConfusion(
  trueIndex: ArrayLike<number>,
  predictedIndex: ArrayLike<number>,
  classCount: number,
  weights: ArrayLike<number> | undefined,
): number[][] {
  const confusion = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  for (let i = 0; i < trueIndex.length; i++) confusion[trueIndex[i]][predictedIndex[i]] += weights ? weights[i] : 1;
  return confusion;
}

/** A k × k table stored row by row (cell = row · k + column) as rows. */
export function tableRows(cells: ArrayLike<number>, k: number): number[][] {
  return Array.from({ length: k }, (_, row) => Array.from({ length: k }, (_, column) => cells[row * k + column]));
}

/** Fraction of images on the diagonal. NaN for an empty matrix. */
export function accuracyFromConfusion(confusion: number[][]): number {
  let correct = 0;
  let total = 0;
  for (let i = 0; i < confusion.length; i++) {
    for (let j = 0; j < confusion.length; j++) total += confusion[i][j];
    correct += confusion[i][i];
  }
  return correct / total;
}

/** Mean recall over the classes present in the labels (rows with at least one image). */
export function balancedAccuracyFromConfusion(confusion: number[][]): number {
  let sum = 0;
  let present = 0;
  for (let i = 0; i < confusion.length; i++) {
    const support = rowSum(confusion, i);
    if (support === 0) continue;
    sum += confusion[i][i] / support;
    present++;
  }
  return sum / present;
}

/** Mean one-vs-rest F1 = 2TP / (2TP + FP + FN) over the classes present in the labels. */
export function macroF1FromConfusion(confusion: number[][]): number {
  let sum = 0;
  let present = 0;
  for (let c = 0; c < confusion.length; c++) {
    const support = rowSum(confusion, c);
    if (support === 0) continue;
    let predictedAs = 0;
    for (let i = 0; i < confusion.length; i++) predictedAs += confusion[i][c];
    const tp = confusion[c][c];
    sum += (2 * tp) / (support + predictedAs);
    present++;
  }
  return sum / present;
}

/**
 * One-vs-rest AUROC of class c for the positives of `isPositive` (1 = positive); a caller that
 * holds class c's scores as a column passes one that takes them from there.
 */
export type ClassAuroc = (c: number, isPositive: Uint8Array) => number | null;

/** AUROC of column c of the score rows. */
const aurocOfRows =
  (scores: readonly (readonly number[])[]): ClassAuroc =>
  (c, isPositive) =>
    auroc(
      isPositive,
      scores.map((row) => row[c]),
    );

/**
 * All metrics of a single-label set. `scores[i][c]` is image i's score for `classes[c]`
 * (higher = more likely); AUROC of class c ranks images by that column (`aurocOf`: computed so).
 */
export function classificationMetrics(
  labels: readonly string[],
  predicted: readonly string[],
  scores: readonly (readonly number[])[],
  classes: readonly string[],
  aurocOf: ClassAuroc = aurocOfRows(scores),
): ClassificationMetrics & { accuracy: number; balancedAccuracy: number; macroF1: number } {
  checkLengths(labels.length, predicted.length, scores.length);
  if (labels.length === 0) throw new Error('No images to compute metrics on');
  const trueIndex = classIndices(labels, classes, 'label');
  const confusion = weightedConfusion(
    trueIndex,
    classIndices(predicted, classes, 'prediction'),
    classes.length,
    undefined,
  );
  const aurocByClass: Record<string, number | null> = {};
  classes.forEach((cls, c) => {
    const isPositive = new Uint8Array(trueIndex.length);
    for (let i = 0; i < trueIndex.length; i++) isPositive[i] = trueIndex[i] === c ? 1 : 0;
    aurocByClass[cls] = aurocOf(c, isPositive);
  });
  return {
    accuracy: accuracyFromConfusion(confusion),
    balancedAccuracy: balancedAccuracyFromConfusion(confusion),
    macroF1: macroF1FromConfusion(confusion),
    auroc: aurocByClass,
    confusion,
  };
}

/** Metrics of a multi-label set, where each class is a separate yes/no question. */
export interface MultiLabelMetrics {
  /** AUROC per class from its 0/1 label column; null where the column is all 0 or all 1. */
  auroc: Record<string, number | null>;
  /** Mean of the non-null per-class AUROCs; null when none is defined. */
  meanAuroc: number | null;
  /**
   * Per class, the fraction of images whose present/absent decision matches the label; null for
   * every class when the recipe makes no decision (mean/max/embed-mean cosines have no
   * calibrated zero point, so no threshold is claimed for them).
   */
  thresholdedAccuracy: Record<string, number | null>;
  /** Images labelled 1 per class. */
  positives: Record<string, number>;
}

/**
 * `labels[i][c]` is 1 when class c is present in image i; `scores[i][c]` ranks images for class c;
 * `present[i][c]` is the recipe's decision (see RecipeScores.present), when it makes one.
 */
export function multiLabelMetrics(
  labels: readonly (readonly number[])[],
  scores: readonly (readonly number[])[],
  classes: readonly string[],
  present?: readonly (readonly boolean[])[],
  aurocOf: ClassAuroc = aurocOfRows(scores),
): MultiLabelMetrics {
  checkLengths(labels.length, scores.length, present?.length ?? scores.length);
  const result: MultiLabelMetrics = { auroc: {}, meanAuroc: null, thresholdedAccuracy: {}, positives: {} };
  let aurocSum = 0;
  let aurocCount = 0;
  classes.forEach((cls, c) => {
    const isPositive = labels.map((row) => row[c] === 1);
    const value = aurocOf(c, Uint8Array.from(isPositive, Number));
    result.auroc[cls] = value;
    if (value !== null) {
      aurocSum += value;
      aurocCount++;
    }
    result.positives[cls] = isPositive.filter(Boolean).length;
    result.thresholdedAccuracy[cls] =
      present && labels.length > 0 ? isPositive.filter((p, i) => p === present[i][c]).length / labels.length : null;
  });
  result.meanAuroc = aurocCount > 0 ? aurocSum / aurocCount : null;
  return result;
}

/** Index of the highest score (the first on ties, so predictions are deterministic). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Position of each name in `classes`; an unknown name is a caller error, named in the message. */
export function classIndices(names: readonly string[], classes: readonly string[], what: string): Uint32Array {
  const index = new Map(classes.map((c, i) => [c, i]));
  const out = new Uint32Array(names.length);
  names.forEach((name, i) => {
    const k = index.get(name);
    if (k === undefined) {
      throw new Error(`Image ${i + 1}: ${what} "${name}" is not one of the classes (${classes.join(', ')})`);
    }
    out[i] = k;
  });
  return out;
}

function rowSum(matrix: number[][], row: number): number {
  let s = 0;
  for (const v of matrix[row]) s += v;
  return s;
}

function checkLengths(...lengths: number[]): void {
  if (lengths.some((l) => l !== lengths[0])) {
    throw new Error(`Metrics need one entry per image in every input; got lengths ${lengths.join(', ')}`);
  }
}
