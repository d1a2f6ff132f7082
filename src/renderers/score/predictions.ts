// Reading a prediction: one class per image, or in a multi-label set a list of classes in the
// score's class order (protocol/classes.ts).
import { sameClasses } from '../../protocol/classes';
import { labelMargin as scoreMargin } from '../../protocol/margin';
import type { Prediction } from '../../protocol/results';

export { classesText, classList, sameClasses } from '../../protocol/classes';
export { rowGroup } from '../../protocol/rowOrder';

export function isCorrect(p: Prediction): boolean {
  return sameClasses(p.label, p.predicted);
}

/** The margin of docs' one definition (protocol/margin.ts) for one prediction. */
export function labelMargin(p: Prediction, classes: string[]): number {
  return scoreMargin(p.label, p.scores, classes);
}
