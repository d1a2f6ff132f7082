// ELIXR-style semantic search over cached embeddings: every image embedding is normalised once
// into one flat row-major matrix, and a query (a text's or an image's embedding) is one pass of
// dot products over it plus a bounded top-k selection. 100,000 × 512 floats is 51 M multiply-adds
// per query: the inner loop is unrolled by four with separate accumulators, which lets V8 keep
// them in registers (about 35 ms a query on one core of the project's machine; see bench/).

/** One ranked image: its row in the index and its cosine with the query. */
export interface SearchHit {
  index: number;
  cosine: number;
}

export class EmbeddingIndex {
  /** Row i = the L2-normalised embedding of image i. */
  private readonly rows: Float32Array;
  readonly size: number;
  readonly dims: number;

  constructor(vectors: readonly ArrayLike<number>[]) {
    this.size = vectors.length;
    this.dims = vectors[0]?.length ?? 0;
    this.rows = new Float32Array(this.size * this.dims);
    vectors.forEach((v, i) => {
      if (v.length !== this.dims)
        throw new Error(`Embedding ${i} has ${v.length} dimensions where the others have ${this.dims}`);
      this.rows.set(normalise(v), i * this.dims);
    });
  }

  /** The cosine of every image with `query` (need not be normalised), in index order. */
  cosines(query: ArrayLike<number>): Float32Array {
    if (query.length !== this.dims)
      throw new Error(`The query has ${query.length} dimensions; the images have ${this.dims}`);
    const q = normalise(query);
    const d = this.dims;
    const m = this.rows;
    const out = new Float32Array(this.size);
    const tail = d - (d % 4);
    for (let r = 0, o = 0; r < this.size; r++, o += d) {
      let a = 0;
      let b = 0;
      let c = 0;
      let e = 0;
      for (let j = 0; j < tail; j += 4) {
        a += m[o + j] * q[j];
        b += m[o + j + 1] * q[j + 1];
        c += m[o + j + 2] * q[j + 2];
        e += m[o + j + 3] * q[j + 3];
      }
      for (let j = tail; j < d; j++) a += m[o + j] * q[j];
      out[r] = a + b + c + e;
    }
    return out;
  }

  /** The k images most similar to `query`, best first; `exclude` (the query image itself) is skipped. */
  search(query: ArrayLike<number>, k: number, exclude?: number): SearchHit[] {
    return topK(this.cosines(query), k, exclude);
  }
}

/**
 * The k largest scores, best first; ties keep index order so rankings are deterministic. A
 * sorted buffer of k entries with insertion is O(n + k·log k) in practice, because after the
 * first few thousand rows almost every score fails the comparison with the current k-th best.
 */
export function topK(scores: ArrayLike<number>, k: number, exclude?: number): SearchHit[] {
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, not ${k}`);
  const best: SearchHit[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (i === exclude) continue;
    const s = scores[i];
    if (best.length === k && s <= best[k - 1].cosine) continue;
    let at = best.length;
    while (at > 0 && best[at - 1].cosine < s) at--;
    best.splice(at, 0, { index: i, cosine: s });
    if (best.length > k) best.pop();
  }
  return best;
}

function normalise(v: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const norm = Math.sqrt(sum);
  if (!(norm > 0)) throw new Error('Cannot search with an all-zero embedding');
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] / norm;
  return out;
}
