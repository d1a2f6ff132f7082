// The ascending order of a score column in linear time: every AUROC, DeLong component and
// descriptor importance starts from one, up to some 40 of 100,000 scores per score run, where a
// comparison sort with a callback costs tens of milliseconds each. An LSD radix sort of the
// float64 bit patterns (made to order like the numbers), 16 bits a pass, is stable, so equal
// scores keep their index order; the metrics read tied scores as groups and do not depend on
// the order within one. -0 sorts just before +0, which the group walk treats as equal.

/** Below this, the comparison sort is quicker than four passes over 65,536 buckets. */
const RADIX_FROM = 2048;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Image indices in ascending score order. */
export function ascendingOrder(scores: ArrayLike<number>): Uint32Array {
  const n = scores.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (n < RADIX_FROM) return order.sort((a, b) => scores[a] - scores[b]);
  const high = new Uint32Array(n);
  const low = new Uint32Array(n);
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  const [l, h] = LITTLE_ENDIAN ? [0, 1] : [1, 0];
  for (let i = 0; i < n; i++) {
    bits[0] = scores[i];
    // Negative numbers: all bits flipped (larger magnitude first); others: the sign bit set.
    if (words[h] & 0x80000000) {
      high[i] = ~words[h] >>> 0;
      low[i] = ~words[l] >>> 0;
    } else {
      high[i] = (words[h] | 0x80000000) >>> 0;
      low[i] = words[l];
    }
  }
  let from = order;
  let to = new Uint32Array(n);
  const counts = new Uint32Array(65536);
  for (const [word, shift] of [
    [low, 0],
    [low, 16],
    [high, 0],
    [high, 16],
  ] as const) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(word[i] >>> shift) & 0xffff]++;
    // A pass where every score has the same 16 bits would only copy.
    if (counts[(word[0] >>> shift) & 0xffff] === n) continue;
    let start = 0;
    for (let b = 0; b < 65536; b++) {
      const c = counts[b];
      counts[b] = start;
      start += c;
    }
    for (let k = 0; k < n; k++) {
      const i = from[k];
      to[counts[(word[i] >>> shift) & 0xffff]++] = i;
    }
    [from, to] = [to, from];
  }
  return from;
}
