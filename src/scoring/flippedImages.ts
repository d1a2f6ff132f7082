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
  const descriptorsOf = (v: VariantSnapshot) => {
    const perClass = new Map<string, number>();
    for (const col of v.columns) perClass.set(col.class, (perClass.get(col.class) ?? 0) + 1);
    return perClass;
  };
  const counts = new Map([
    [now, descriptorsOf(now)],
    [before, descriptorsOf(before)],
  ]);
  const out: FlippedImage[] = [];
  for (let i = 0; i < current.imageCount; i++) {
    if (was[i] === is[i]) continue;
    const label = classes[current.labels![i]];
    const currentClass = classes[is[i]];
    const previousClass = classes[was[i]];
    const nowCorrect = currentClass === label ? true : previousClass === classes[previous.labels![i]] ? false : null;
    const push = new Map<string, { class: string; text: string; change: number; added: boolean }>();
    const add = (v: VariantSnapshot, sign: 1 | -1) => {
      const perClass = counts.get(v)!;
      const d = v.columns.length;
      const row = v.perImage!.similarity.subarray(i * d, (i + 1) * d);
      v.columns.forEach((col, k) => {
        const toward = col.class === currentClass ? 1 : col.class === previousClass ? -1 : 0;
        if (toward === 0) return;
        const key = `${col.class}\u0000${col.text}`;
        const entry = push.get(key) ?? { class: col.class, text: col.text, change: 0, added: sign === 1 };
        entry.change += (sign * toward * row[k]) / perClass.get(col.class)!;
        if (sign === -1 && push.has(key)) entry.added = false;
        push.set(key, entry);
      });
    };
    add(now, 1);
    add(before, -1);
    const moved = [...push.values()].sort((a, b) => b.change - a.change)[0];
    const round = (x: number) => Math.round(x * 1e4) / 1e4;
    out.push({
      image: ids[i],
      label,
      previous: previousClass,
      current: currentClass,
      nowCorrect,
      ...(moved && moved.change > 0 ? { movedBy: { ...moved, change: round(moved.change) } } : {}),
    });
  }
  return out;
}
