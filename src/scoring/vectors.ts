// Vector arithmetic the scoring code shares: search, patch-token maps, few-shot and occlusion all
// rank or compare embeddings by the same dot product.

/** Σ a[j]·b[j] over the length of `a`; callers check that the lengths agree where they can differ. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let j = 0; j < a.length; j++) sum += a[j] * b[j];
  return sum;
}
