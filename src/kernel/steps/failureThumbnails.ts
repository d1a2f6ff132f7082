// The failure thumbnails a score output saves inline (kernel/steps/score.ts).
import { firstSorted } from '../../common/firstSorted';
import { sameClasses } from '../../protocol/classes';
import type { ImageEntry } from '../../protocol/dataset';
import type { VariantResult } from '../../protocol/results';
import { rowMargins } from '../../scoring/margins';
import { FLIPPED_SHOWN } from '../../scoring/pagedScore';
import type { StepContext } from './step';
import { cachedThumbnail } from './thumbnails';

/** Failure thumbnails saved inline in the output; more are fetched lazily by the renderer. */
export const MAX_INLINE_THUMBNAILS = 40;
const THUMBNAIL_PX = 64;

/**
 * A variant's failures, most confidently wrong first (lowest margin of the true class over the
 * best other class; an image without a margin, protocol/margin.ts, counts as 0, and ties keep
 * image order): the first `k` images, and how many failures there are.
 */
function worstFailures(v: VariantResult, k: number): { images: string[]; count: number } {
  // Every prediction of a score holds a score for every class, in the class order.
  const margins = rowMargins(v.predictions, Object.keys(v.predictions[0]?.scores ?? {}));
  const failures: number[] = [];
  v.predictions.forEach((p, i) => sameClasses(p.predicted, p.label) || failures.push(i));
  const first = firstSorted(failures, k, (a, b) => (margins[a] || 0) - (margins[b] || 0) || a - b);
  return { images: first.map((i) => v.predictions[i].image), count: failures.length };
}

/**
 * The images whose thumbnails a score output saves inline: the images that flipped since the
 * previous run first ("what changed"), then the failures the gallery shows first, per variant
 * the most confidently wrong, taken in turn across variants.
 */
export function thumbnailImages(variants: VariantResult[], flipped: string[]): Set<string> {
  // Each variant's queue holds its first failures only; a queue is drawn further (rarely: only
  // when images repeat) should the turns reach its end before the thumbnails are all chosen.
  const queues = variants.map((v) => ({ v, ...worstFailures(v, MAX_INLINE_THUMBNAILS) }));
  const at = (q: (typeof queues)[number], rank: number) => {
    if (rank >= q.images.length && q.images.length < q.count) Object.assign(q, worstFailures(q.v, 2 * (rank + 1)));
    return q.images[rank];
  };
  const wanted = new Set<string>(flipped.slice(0, FLIPPED_SHOWN));
  for (let rank = 0; wanted.size < MAX_INLINE_THUMBNAILS && queues.some((q) => rank < q.count); rank++) {
    for (const q of queues) if (rank < q.count && wanted.size < MAX_INLINE_THUMBNAILS) wanted.add(at(q, rank));
  }
  return wanted;
}

/**
 * Inline thumbnails of thumbnailImages. The report cannot fetch more; the notebook renderer
 * asks for the rest lazily.
 */
export async function failureThumbnails(
  ctx: StepContext,
  entries: ImageEntry[],
  variants: VariantResult[],
  flipped: string[],
): Promise<Record<string, string>> {
  const wanted = thumbnailImages(variants, flipped);
  const byId = new Map<string, ImageEntry>();
  for (const e of entries) if (wanted.has(e.id)) byId.set(e.id, e);
  const out: Record<string, string> = {};
  for (const id of wanted) {
    const entry = byId.get(id)!;
    out[id] = await cachedThumbnail(ctx, entry, THUMBNAIL_PX);
  }
  return out;
}
