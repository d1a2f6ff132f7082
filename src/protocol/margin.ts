// The one definition of "margin" that every output uses (score cards, the detail panel, the
// explain output and its Markdown): how far the scores back the labels, negative when wrong.
import { classList } from './classes';
import type { Classes } from './results';

/** What the UI says next to a margin. */
export const MARGIN_DEFINITION = 'margin = true class − best other class';
export const MULTI_LABEL_MARGIN_DEFINITION = 'margin = lowest labelled class − highest unlabelled class';

/**
 * Single-label, the true class's score minus the best other class's; multi-label (a list), the
 * lowest labelled class's minus the highest unlabelled one's. NaN for an image with no class or
 * with every class (nothing is ranked against anything) or a missing score.
 */
export function labelMargin(
  label: Classes,
  scores: Readonly<Record<string, number>>,
  classes: readonly string[],
): number {
  const labelled = classList(label);
  const own = labelled.map((c) => scores[c]).filter((x) => typeof x === 'number');
  const others = classes
    .filter((c) => !labelled.includes(c))
    .map((c) => scores[c])
    .filter((x) => typeof x === 'number');
  return own.length === labelled.length && own.length && others.length ? Math.min(...own) - Math.max(...others) : NaN;
}
