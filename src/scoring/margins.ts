// Every row's margin (protocol/margin.ts) of a variant's predictions, computed once per
// predictions list: a score's output building needs them three times over (the failure
// thumbnails, the paged output's rows, the per-image file), and at 100,000 images each pass
// costs tens of milliseconds.
import { labelMargin } from '../protocol/margin';
import type { Prediction } from '../protocol/results';

const known = new WeakMap<readonly Prediction[], { classes: string; margins: Float64Array }>();

/**
 * protocol/margin.ts's margin of each prediction (NaN where undefined), by position. The list
 * must not change afterwards: results are built once and never edited in place.
 */
export function rowMargins(predictions: readonly Prediction[], classes: readonly string[]): Float64Array {
  const key = classes.join('\n');
  const hit = known.get(predictions);
  if (hit && hit.classes === key) return hit.margins;
  const margins = new Float64Array(predictions.length);
  for (let i = 0; i < predictions.length; i++)
    margins[i] = labelMargin(predictions[i].label, predictions[i].scores, classes);
  known.set(predictions, { classes: key, margins });
  return margins;
}
