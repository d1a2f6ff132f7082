// One image's evidence under one variant: every class's descriptor similarities as bars, the
// predicted class first. The detail panel shows it for one variant, a disagreement row for two.
import { descriptorBars, type BarGroup } from '../_shared/bars';
import { notice } from '../_shared/dom';
import { similarityProblem, type Score, type Variant } from './data';
import { classList } from './predictions';

/** The `count` descriptors of class `cls` most similar to image `i`, with their short texts (`labels`). */
export function topDescriptors(
  v: Variant,
  labels: string[],
  i: number,
  cls: string,
  count: number,
): { text: string; value: number }[] {
  return v.columns
    .map((c, k) => ({ c, k }))
    .filter(({ c }) => c.class === cls)
    .map(({ k }) => ({ text: labels[k], value: v.similarity[i][k] }))
    .sort((a, b) => b.value - a.value)
    .slice(0, count);
}

export function evidenceBars(s: Score, v: Variant, labels: string[], i: number): HTMLElement {
  if (similarityProblem(v)) return notice('No descriptor similarities in this result.', 'info');
  const p = v.predictions[i];
  const predicted = new Set(classList(p.predicted));
  const labelled = new Set(classList(p.label));
  const groups: BarGroup[] = s.classes.map((c) => ({
    label: c,
    score: p.scores[c],
    role:
      predicted.has(c) && labelled.has(c)
        ? 'both'
        : predicted.has(c)
          ? 'predicted'
          : labelled.has(c)
            ? 'true'
            : 'other',
    items: topDescriptors(v, labels, i, c, Infinity),
  }));
  // Predicted class first, then the true class, then the rest by score.
  const rank = (g: BarGroup) => (g.role === 'both' || g.role === 'predicted' ? 0 : g.role === 'true' ? 1 : 2);
  groups.sort((a, b) => rank(a) - rank(b) || (b.score ?? 0) - (a.score ?? 0));
  return descriptorBars(groups);
}
