// The first k items of a list in a given order, without sorting the whole list: a gallery shows
// a few hundred of 100,000 rows, and sorting them all (an object per row, a comparison per
// step) cost more than everything else its output building did.

/**
 * The first `k` of `items` in the order of `compare`, sorted: the same items, in the same order,
 * as `[...items].sort(compare).slice(0, k)` for a total order (one that ranks no two items equal,
 * e.g. with a position as the last key). A max-heap of the best k so far: most items are
 * rejected with one comparison against its top.
 */
export function firstSorted<T>(items: Iterable<T>, k: number, compare: (a: T, b: T) => number): T[] {
  const heap: T[] = [];
  if (k <= 0) return heap;
  const swap = (i: number, j: number) => ([heap[i], heap[j]] = [heap[j], heap[i]]);
  for (const item of items) {
    if (heap.length < k) {
      heap.push(item);
      for (let i = heap.length - 1; i > 0;) {
        const parent = (i - 1) >> 1;
        if (compare(heap[i], heap[parent]) <= 0) break;
        swap(i, parent);
        i = parent;
      }
    } else if (compare(item, heap[0]) < 0) {
      heap[0] = item;
      for (let i = 0; ;) {
        const [l, r] = [2 * i + 1, 2 * i + 2];
        let top = i;
        if (l < k && compare(heap[l], heap[top]) > 0) top = l;
        if (r < k && compare(heap[r], heap[top]) > 0) top = r;
        if (top === i) break;
        swap(i, top);
        i = top;
      }
    }
  }
  return heap.sort(compare);
}
