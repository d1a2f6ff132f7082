// Reading a prediction: one class per image, or in a multi-label set a list of classes
// ("a, b", or "(none)") in the score's class order.
import { labelMargin as scoreMargin, NO_CLASS } from '../../protocol/margin';
import type { Prediction } from '../../protocol/results';

export { NO_CLASS };

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

/** The margin of docs' one definition (protocol/margin.ts) for one prediction. */
export function labelMargin(p: Prediction, classes: string[], multiLabel: boolean): number {
  return scoreMargin(p.label, p.scores, classes, multiLabel);
}

/** Ascending, with undefined (NaN) margins last. */
export function byMargin(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number(Number.isNaN(a)) - Number(Number.isNaN(b));
  return a - b;
}
