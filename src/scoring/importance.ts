// Descriptor importance across the dataset (docs/methods.md, "Descriptor importance"): per
// descriptor of a variant, how well its cosine alone ranks its class (one-vs-rest AUROC), the mean
// cosine gap between its class's images and the others, and how the variant's metric changes when
// the descriptor is left out and the class rescored with the same recipe.
//
// Leaving a descriptor out changes only its class's score column (every recipe scores a class from
// its own texts), so only that class is rescored: the cost is images × that class's texts per
// descriptor, not a full rescoring. Xplainer's "no finding" class (1 − the best other class) is
// recomputed after the column changes; its own descriptors do not enter any score.
//
// A one-descriptor edit leaves every other descriptor's cosine column the very array of the
// previous run (scoring/cosines.ts), so its AUROC and gap are remembered by that array and the
// positives (metrics/rememberedAuroc.ts) rather than recomputed; leave-one-out depends on the
// baseline, which the edit changes, so it is recomputed every run, on typed columns.
import {
  auroc,
  balancedAccuracyFromConfusion,
  classIndices,
  confusionMatrix,
  multiLabelMetrics,
  tableRows,
} from '../metrics/classification';
import { rememberedAuroc, rememberedGap } from '../metrics/rememberedAuroc';
import type { DescriptorSet, ImageSet } from '../protocol/dataset';
import type { DescriptorImportance, DescriptorImportanceRow, ImportanceMetric } from '../protocol/importance';
import { classScoreColumns, noFindingColumn } from './classScores';
import { planTexts, predictClasses, type RecipeName, type TextEmbeddings, type Vector } from './recipes';

/** The labels of the scored images: one class each, or 0/1 per class (in `classes` order) for multi-label sets. */
export type Truth =
  { multiLabel: false; labels: readonly string[] } | { multiLabel: true; labels: readonly (readonly number[])[] };

export interface ImportanceInput {
  set: DescriptorSet;
  method: RecipeName;
  classes: readonly string[];
  images: readonly Vector[];
  textEmbeddings: TextEmbeddings;
  truth: Truth;
}

export function descriptorImportance(input: ImportanceInput): DescriptorImportance {
  const { set, method, images, textEmbeddings, truth } = input;
  const classes = [...input.classes];
  const plan = planTexts(set, method, { classes });
  // The score step's own cosines (remembered), so only the texts new to leave-one-out are computed.
  const full = classScoreColumns(plan, images, textEmbeddings, true);
  const metric: ImportanceMetric = truth.multiLabel ? 'meanAuroc' : 'balancedAccuracy';
  const noFinding = plan.noFindingClass === undefined ? -1 : classes.indexOf(plan.noFindingClass);
  const positives = classes.map((_, k) => positiveMask(truth, classes, k));
  const trueIndex = truth.multiLabel ? undefined : classIndices(truth.labels, classes, 'label');
  const others = bestOthers(full.scores);
  // The metric with class k's scores replaced by `column` (all of them: none replaced).
  const metricWith = (k: number, column?: Float64Array) =>
    trueIndex
      ? balancedAccuracyWith(full.scores, trueIndex, k, column, noFinding, others)
      : meanAurocWith(full.scores, positives, k, column, noFinding);
  const baseline = metricWith(-1);

  const rows: DescriptorImportanceRow[] = [];
  let column = 0;
  classes.forEach((cls, k) => {
    const own = set.classes[cls] ?? [];
    const count = plan.perClass[k].columns.length;
    for (let j = 0; j < count; j++, column++) {
      const sims = full.similarity[column];
      let leaveOneOut: number | null = null;
      if (own.length > 1) {
        const value = cls === plan.noFindingClass ? baseline : metricWith(k, withoutDescriptor(input, k, j));
        leaveOneOut = value === null || baseline === null ? null : value - baseline;
      }
      rows.push({
        class: cls,
        descriptor: full.columns[column].text,
        auroc: rememberedAuroc(positives[k], sims),
        gap: rememberedGap(positives[k], sims, () => meanGap(positives[k], sims)),
        leaveOneOut,
      });
    }
  });
  return { metric, full: baseline, descriptors: rows };
}

/** Balanced accuracy of the argmax prediction, or mean AUROC for multi-label sets. */
export function headlineMetric(
  scores: readonly (readonly number[])[],
  classes: readonly string[],
  truth: Truth,
): number | null {
  if (truth.multiLabel) return multiLabelMetrics(truth.labels, scores, classes).meanAuroc;
  return balancedAccuracyFromConfusion(confusionMatrix(truth.labels, predictClasses(scores, classes), classes));
}

/** Mean of `values` over the positives − mean over the negatives; null when either group is empty. */
export function meanGap(positive: ArrayLike<boolean | number>, values: ArrayLike<number>): number | null {
  let inside = 0;
  let outside = 0;
  let nInside = 0;
  for (let i = 0; i < values.length; i++) {
    if (positive[i]) {
      inside += values[i];
      nInside++;
    } else outside += values[i];
  }
  const nOutside = values.length - nInside;
  return nInside === 0 || nOutside === 0 ? null : inside / nInside - outside / nOutside;
}

/** 1 where class k is among image i's labels. */
function positiveMask(truth: Truth, classes: readonly string[], k: number): Uint8Array {
  const labels = truth.labels;
  const mask = new Uint8Array(labels.length);
  if (truth.multiLabel) truth.labels.forEach((row, i) => (mask[i] = row[k] === 1 ? 1 : 0));
  else truth.labels.forEach((label, i) => (mask[i] = label === classes[k] ? 1 : 0));
  return mask;
}

/** Class k's scores without its j-th descriptor (the same recipe on the remaining texts). */
function withoutDescriptor(input: ImportanceInput, k: number, j: number): Float64Array {
  const cls = input.classes[k];
  const reduced: DescriptorSet = {
    ...input.set,
    classes: { [cls]: input.set.classes[cls].filter((_, d) => d !== j) },
  };
  const plan = planTexts(reduced, input.method, { classes: [cls] });
  return classScoreColumns(plan, input.images, input.textEmbeddings, true).scores[0];
}

/**
 * The score columns with class k's replaced by `column`, and "no finding" rescored as the recipe
 * does (into a new array: the remembered statistics of metrics/rememberedAuroc.ts rely on the
 * full run's columns never being written).
 */
function withColumn(scores: Float64Array[], k: number, column: Float64Array, noFinding: number): Float64Array[] {
  const replaced = scores.slice();
  replaced[k] = column;
  if (noFinding >= 0) {
    replaced[noFinding] = new Float64Array(column.length);
    noFindingColumn(replaced, undefined, noFinding);
  }
  return replaced;
}

/**
 * headlineMetric of a single-label set, with class k's scores replaced by `column` when given,
 * without building score rows or class names: the same confusion counts.
 */
function balancedAccuracyWith(
  scores: Float64Array[],
  trueIndex: Uint32Array,
  k: number,
  column: Float64Array | undefined,
  noFinding: number,
  others: (k: number) => BestOther | undefined,
): number {
  const classCount = scores.length;
  const confusion = new Float64Array(classCount * classCount);
  const best = column && noFinding < 0 && !hasNaN(column) ? others(k) : undefined;
  if (column && best) {
    // argmax of the row with class k's score v: k when v beats the best other score, that
    // class when v is below it, the lower index on a tie (argmax takes the first maximum).
    const { value, index } = best;
    for (let i = 0; i < trueIndex.length; i++) {
      const v = column[i];
      const other = index[i];
      // No other class (other < 0): every image is class k's.
      const predicted = other < 0 || v > value[i] ? k : v < value[i] ? other : Math.min(k, other);
      confusion[trueIndex[i] * classCount + predicted]++;
    }
  } else {
    const columns = column ? withColumn(scores, k, column, noFinding) : scores;
    for (let i = 0; i < trueIndex.length; i++) {
      // argmax (metrics/classification.ts) inlined: the first of the highest scores.
      let predicted = 0;
      let top = columns[0][i];
      for (let c = 1; c < classCount; c++) {
        const v = columns[c][i];
        if (v > top) {
          predicted = c;
          top = v;
        }
      }
      confusion[trueIndex[i] * classCount + predicted]++;
    }
  }
  return balancedAccuracyFromConfusion(tableRows(confusion, classCount));
}

/** Per image, the highest score of the classes other than one, and its class (the first on ties). */
interface BestOther {
  value: Float64Array;
  index: Int32Array;
}

/**
 * The best other class for each class, from each image's two best classes (one pass for all
 * leave-one-outs): for class k it is the best class, or the second best where k is the best.
 * Undefined when a score is NaN, where argmax does not take the first maximum.
 */
function bestOthers(scores: Float64Array[]): (k: number) => BestOther | undefined {
  let ranked: { first: BestOther; second: BestOther } | null | undefined;
  const known = new Map<number, BestOther>();
  return (k) => {
    // Ranked on the first leave-one-out: a set without one has no use for it.
    if (ranked === undefined) ranked = scores.some(hasNaN) ? null : twoBest(scores);
    if (ranked === null) return undefined;
    const { first, second } = ranked;
    let best = known.get(k);
    if (!best) {
      const n = first.value.length;
      best = { value: new Float64Array(n), index: new Int32Array(n) };
      for (let i = 0; i < n; i++) {
        const top = first.index[i] === k ? second : first;
        best.value[i] = top.value[i];
        best.index[i] = top.index[i];
      }
      known.set(k, best);
    }
    return best;
  };
}

/** Per image, the first of the highest scores and the first of the highest among the other classes. */
function twoBest(scores: Float64Array[]): { first: BestOther; second: BestOther } {
  const n = scores[0]?.length ?? 0;
  const first = { value: new Float64Array(n).fill(-Infinity), index: new Int32Array(n).fill(-1) };
  const second = { value: new Float64Array(n).fill(-Infinity), index: new Int32Array(n).fill(-1) };
  scores.forEach((values, c) => {
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (first.index[i] < 0 || v > first.value[i]) {
        second.value[i] = first.value[i];
        second.index[i] = first.index[i];
        first.value[i] = v;
        first.index[i] = c;
      } else if (second.index[i] < 0 || v > second.value[i]) {
        second.value[i] = v;
        second.index[i] = c;
      }
    }
  });
  return { first, second };
}

function hasNaN(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] !== values[i]) return true;
  return false;
}

/**
 * headlineMetric of a multi-label set (multiLabelMetrics' mean AUROC: the defined per-class
 * AUROCs summed in class order), with class k's scores replaced by `column` when given. The
 * columns of the full run keep their AUROC from one leave-one-out to the next.
 */
function meanAurocWith(
  scores: Float64Array[],
  positives: Uint8Array[],
  k: number,
  column: Float64Array | undefined,
  noFinding: number,
): number | null {
  const columns = column ? withColumn(scores, k, column, noFinding) : scores;
  let sum = 0;
  let count = 0;
  columns.forEach((values, c) => {
    const value = values === scores[c] ? rememberedAuroc(positives[c], values) : auroc(positives[c], values);
    if (value !== null) {
      sum += value;
      count++;
    }
  });
  return count > 0 ? sum / count : null;
}

/** The labels of an image set as `Truth`. */
export function truthOf(imageSet: ImageSet): Truth {
  return imageSet.multiLabel
    ? { multiLabel: true, labels: imageSet.entries.map((e) => imageSet.classes.map((c) => e.labels?.[c] ?? 0)) }
    : { multiLabel: false, labels: imageSet.entries.map((e) => e.label!) };
}
