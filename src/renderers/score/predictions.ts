// Reading a prediction: one class per image, or in a multi-label set a list of classes in the
// score's class order (protocol/classes.ts).
import { classDifference, classList, NO_CLASS, sameClasses } from '../../protocol/classes';
import { labelMargin as scoreMargin } from '../../protocol/margin';
import type { Prediction } from '../../protocol/results';

export { classesText, classList, NO_CLASS, sameClasses } from '../../protocol/classes';

/** Classes in the label or the prediction but not both (0 when the prediction is right). */
export function mismatchedClasses(p: Prediction): number {
  return classDifference(p.label, p.predicted);
}

export function isCorrect(p: Prediction): boolean {
  return sameClasses(p.label, p.predicted);
}

/** The class a heatmap row is grouped under: its label, or a multi-label image's first labelled class. */
export function rowGroup(p: Prediction): string {
  return classList(p.label)[0] ?? NO_CLASS;
}

/** The margin of docs' one definition (protocol/margin.ts) for one prediction. */
export function labelMargin(p: Prediction, classes: string[]): number {
  return scoreMargin(p.label, p.scores, classes);
}

/** Ascending, with undefined (NaN) margins last. */
export function byMargin(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number(Number.isNaN(a)) - Number(Number.isNaN(b));
  return a - b;
}
