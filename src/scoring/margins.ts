// Every row's margin (protocol/margin.ts) of a variant's predictions, computed once per
// predictions list: a score's output building needs them three times over (the failure
// thumbnails, the paged output's rows, the per-image file), and at 100,000 images each pass
// costs tens of milliseconds.
import { labelMargin } from '../protocol/margin';
import type { Prediction } from '../protocol/results';

/**
 * labelMargin for one label among the classes, without its lists: the same value (Math.max as it
 * takes the other classes' scores), at a fraction of the cost per row.
 */
function singleLabelMargin(label: string, scores: Readonly<Record<string, number>>, classes: readonly string[]) {
  const own = scores[label];
  let best = -Infinity;
  let others = 0;
  for (const c of classes) {
    const x = scores[c];
    if (c === label || typeof x !== 'number') continue;
    best = Math.max(best, x);
    others++;
  }
  return typeof own === 'number' && others ? own - best : NaN;
}

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
  for (let i = 0; i < predictions.length; i++) {
    const { label, scores } = predictions[i];
    margins[i] =
      typeof label === 'string' && classes.includes(label)
        ? singleLabelMargin(label, scores, classes)
        : labelMargin(label, scores, classes);
  }
  known.set(predictions, { classes: key, margins });
  return margins;
}
