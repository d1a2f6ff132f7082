// Descriptor importance across the dataset (docs/methods.md, "Descriptor importance"): per
// descriptor of a variant, how well its cosine alone ranks its class (one-vs-rest AUROC), the mean
// cosine gap between its class's images and the others, and how the variant's metric changes when
// the descriptor is left out and the class rescored with the same recipe.
//
// Leaving a descriptor out changes only its class's score column (every recipe scores a class from
// its own texts), so only that class is rescored: the cost is images × that class's texts per
// descriptor, not a full rescoring. Xplainer's "no finding" class (1 − the best other class) is
// recomputed after the column changes; its own descriptors do not enter any score.
import {
  argmax,
  auroc,
  balancedAccuracyFromConfusion,
  classIndices,
  confusionMatrix,
  multiLabelMetrics,
} from '../metrics/classification';
import type { DescriptorSet, ImageSet } from '../protocol/dataset';
import type { DescriptorImportance, DescriptorImportanceRow, ImportanceMetric } from '../protocol/importance';
import { planTexts, predictClasses, scoreImages, type RecipeName, type TextEmbeddings, type Vector } from './recipes';

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
  const full = scoreImages(plan, images, textEmbeddings, { remember: true });
  const metric: ImportanceMetric = truth.multiLabel ? 'meanAuroc' : 'balancedAccuracy';
  const noFinding = plan.noFindingClass === undefined ? -1 : classes.indexOf(plan.noFindingClass);
  const trueIndex = truth.multiLabel ? undefined : classIndices(truth.labels, classes, 'label');
  // The metric with class k's scores replaced by `column` (all of them: none replaced).
  const metricWith = (k: number, column?: readonly number[]) =>
    trueIndex
      ? balancedAccuracyWith(full.scores, trueIndex, k, column, noFinding)
      : headlineMetric(column ? replaceColumn(full.scores, k, column, noFinding) : full.scores, classes, truth);
  const baseline = metricWith(-1);
  const positives = classes.map((_, k) => isPositive(truth, classes, k));

  const rows: DescriptorImportanceRow[] = [];
  let column = 0;
  classes.forEach((cls, k) => {
    const own = set.classes[cls] ?? [];
    const count = plan.perClass[k].columns.length;
    for (let j = 0; j < count; j++, column++) {
      const sims = full.similarity.map((row) => row[column]);
      let leaveOneOut: number | null = null;
      if (own.length > 1) {
        const value = cls === plan.noFindingClass ? baseline : metricWith(k, withoutDescriptor(input, k, j));
        leaveOneOut = value === null || baseline === null ? null : value - baseline;
      }
      rows.push({
        class: cls,
        descriptor: full.columns[column].text,
        auroc: auroc(positives[k], sims),
        gap: meanGap(positives[k], sims),
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
export function meanGap(positive: readonly boolean[], values: readonly number[]): number | null {
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

function isPositive(truth: Truth, classes: readonly string[], k: number): boolean[] {
  return truth.multiLabel ? truth.labels.map((row) => row[k] === 1) : truth.labels.map((l) => l === classes[k]);
}

/** Class k's scores without its j-th descriptor (the same recipe on the remaining texts). */
function withoutDescriptor(input: ImportanceInput, k: number, j: number): number[] {
  const cls = input.classes[k];
  const reduced: DescriptorSet = {
    ...input.set,
    classes: { [cls]: input.set.classes[cls].filter((_, d) => d !== j) },
  };
  const plan = planTexts(reduced, input.method, { classes: [cls] });
  return scoreImages(plan, input.images, input.textEmbeddings, { remember: true, similarity: false }).scores.map(
    (row) => row[0],
  );
}

/** Row i of `scores` with class k's score from `column`, and "no finding" rescored as scoreImages does. */
function rowWith(row: readonly number[], out: number[], k: number, value: number, noFinding: number): number[] {
  for (let c = 0; c < row.length; c++) out[c] = row[c];
  out[k] = value;
  if (noFinding >= 0) {
    // 1 − the best other class, floored at 0.
    let best = 0;
    out.forEach((v, c) => {
      if (c !== noFinding) best = Math.max(best, v);
    });
    out[noFinding] = 1 - best;
  }
  return out;
}

function replaceColumn(
  scores: readonly (readonly number[])[],
  k: number,
  column: readonly number[],
  noFinding: number,
): number[][] {
  return scores.map((row, i) => rowWith(row, new Array<number>(row.length), k, column[i], noFinding));
}

/**
 * headlineMetric of a single-label set, with class k's scores replaced by `column` when given,
 * without building the replaced score rows or class names: the same confusion counts.
 */
function balancedAccuracyWith(
  scores: readonly (readonly number[])[],
  trueIndex: Uint32Array,
  k: number,
  column: readonly number[] | undefined,
  noFinding: number,
): number {
  const classCount = scores[0]?.length ?? 0;
  const confusion = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  const scratch = new Array<number>(classCount);
  scores.forEach((row, i) => {
    const predicted = argmax(column ? rowWith(row, scratch, k, column[i], noFinding) : row);
    confusion[trueIndex[i]][predicted]++;
  });
  return balancedAccuracyFromConfusion(confusion);
}

/** The labels of an image set as `Truth`. */
export function truthOf(imageSet: ImageSet): Truth {
  return imageSet.multiLabel
    ? { multiLabel: true, labels: imageSet.entries.map((e) => imageSet.classes.map((c) => e.labels?.[c] ?? 0)) }
    : { multiLabel: false, labels: imageSet.entries.map((e) => e.label!) };
}
