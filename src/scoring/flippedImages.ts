// The images whose prediction flipped between two runs of a score cell on the same images, each
// with the descriptor that moved it most ("what changed", changes.ts).
import type { FlippedImage } from '../protocol/changes';
import type { RunSnapshot, VariantSnapshot } from './runSnapshot';

/**
 * Images whose predicted class changed. The descriptor that moved one most: with each class's
 * score the mean of its descriptor similarities, a descriptor's term is sim / (descriptors of its
 * class); its push toward the new prediction is +term for the new class and −term for the old
 * one. Summed over the current columns minus the previous ones, by descriptor text, the largest
 * push is the descriptor that moved it most (unchanged descriptors cancel). Only the flipped
 * images' rows are read. Both runs are single-label, with the same classes and images.
 */
export function flippedImages(
  previous: RunSnapshot,
  before: VariantSnapshot,
  current: RunSnapshot,
  now: VariantSnapshot,
): FlippedImage[] {
  const classes = current.classes;
  const ids = current.ids!;
  const was = before.perImage!.predicted;
  const is = now.perImage!.predicted;
  // Every descriptor text of either run, the current run's first: for an image, the texts of its
  // two classes in this order are the order a push by text is first met in (current columns,
  // then previous ones), and the first of the largest pushes wins a tie.
  const texts: DescriptorText[] = [];
  const terms = [...termsOf(now, 1, classes, texts), ...termsOf(before, -1, classes, texts)];
  const change = new Float64Array(texts.length);
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  const out: FlippedImage[] = [];
  for (let i = 0; i < current.imageCount; i++) {
    if (was[i] === is[i]) continue;
    change.fill(0);
    for (const t of terms) {
      const toward = t.classIndex === is[i] ? 1 : t.classIndex === was[i] ? -1 : 0;
      if (toward !== 0) change[t.text] += (t.sign * toward * t.similarity[i * t.columns + t.column]) / t.descriptors;
    }
    let moved = -1;
    for (let k = 0; k < texts.length; k++) {
      if (texts[k].classIndex !== is[i] && texts[k].classIndex !== was[i]) continue;
      if (moved < 0 || change[k] > change[moved]) moved = k;
    }
    const label = classes[current.labels![i]];
    const currentClass = classes[is[i]];
    const previousClass = classes[was[i]];
    const by = moved >= 0 && change[moved] > 0 ? texts[moved] : undefined;
    out.push({
      image: ids[i],
      label,
      previous: previousClass,
      current: currentClass,
      nowCorrect: currentClass === label ? true : previousClass === classes[previous.labels![i]] ? false : null,
      ...(by ? { movedBy: { class: by.class, text: by.text, change: round(change[moved]), added: by.added } } : {}),
    });
  }
  return out;
}

interface DescriptorText {
  class: string;
  text: string;
  classIndex: number;
  /** Only in the current run. */
  added: boolean;
}

/**
 * One run's similarity columns as terms of its class scores (a column's term is its cosine over
 * its class's descriptor count), each pointing at its descriptor text in `texts`.
 */
function termsOf(v: VariantSnapshot, sign: 1 | -1, classes: readonly string[], texts: DescriptorText[]) {
  const perClass = new Map<string, number>();
  for (const col of v.columns) perClass.set(col.class, (perClass.get(col.class) ?? 0) + 1);
  return v.columns.map((col, column) => {
    let text = texts.findIndex((t) => t.class === col.class && t.text === col.text);
    if (text < 0) {
      text =
        texts.push({ class: col.class, text: col.text, classIndex: classes.indexOf(col.class), added: sign === 1 }) - 1;
    } else if (sign === -1) {
      texts[text].added = false;
    }
    return {
      sign,
      text,
      column,
      classIndex: texts[text].classIndex,
      descriptors: perClass.get(col.class)!,
      columns: v.columns.length,
      similarity: v.perImage!.similarity,
    };
  });
}
