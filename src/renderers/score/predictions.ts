// Reading a prediction: one class per image, or in a multi-label set a list of classes
// ("a, b", or "(none)") in the score's class order.
import type { Prediction } from '../../protocol/results';

/** What a multi-label prediction lists when the image has (or the recipe calls) no class. */
export const NO_CLASS = '(none)';

export function classList(value: string, multiLabel: boolean): string[] {
  if (!multiLabel) return [value];
  return value === NO_CLASS ? [] : value.split(', ');
}

/** Classes in one of two multi-label lists but not in the other. */
export function classDifference(a: string, b: string): number {
  const x = classList(a, true);
  const y = classList(b, true);
  return x.filter((c) => !y.includes(c)).length + y.filter((c) => !x.includes(c)).length;
}

/** Classes in the label or the prediction but not both (0 when the prediction is right). */
export function mismatchedClasses(p: Prediction): number {
  return classDifference(p.label, p.predicted);
}

export function sameClasses(a: string, b: string, multiLabel: boolean): boolean {
  return multiLabel ? classDifference(a, b) === 0 : a === b;
}

export function isCorrect(p: Prediction, multiLabel: boolean): boolean {
  return sameClasses(p.label, p.predicted, multiLabel);
}

/** The class a heatmap row is grouped under: its label, or a multi-label image's first labelled class. */
export function rowGroup(p: Prediction, multiLabel: boolean): string {
  return multiLabel ? (classList(p.label, true)[0] ?? NO_CLASS) : p.label;
}

/**
 * How far the scores back the labels: single-label, the true class's score minus the best other
 * class's; multi-label, the lowest labelled class's minus the highest unlabelled one's (NaN for
 * an image with no class or with every class, where nothing is ranked against anything).
 */
export function labelMargin(p: Prediction, classes: string[], multiLabel: boolean): number {
  const labelled = classList(p.label, multiLabel);
  const own = labelled.map((c) => p.scores[c]).filter((x) => typeof x === 'number');
  const others = classes
    .filter((c) => !labelled.includes(c))
    .map((c) => p.scores[c])
    .filter((x) => typeof x === 'number');
  return own.length === labelled.length && own.length && others.length ? Math.min(...own) - Math.max(...others) : NaN;
}

/** Ascending, with undefined (NaN) margins last. */
export function byMargin(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number(Number.isNaN(a)) - Number(Number.isNaN(b));
  return a - b;
}
