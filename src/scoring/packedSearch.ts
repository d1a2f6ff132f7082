// Search at a million images: each L2-normalised embedding is packed as int8 codes with one scale
// per vector (a quarter of float32's bytes), the query scans every code with the WebAssembly SIMD
// kernel, and the best `rerank` rows by that approximate cosine are re-scored exactly in float
// from the original vectors. The hits are therefore exact cosines, ranked exactly among the
// candidates; the approximation can only miss an image whose int8 score fell below the
// candidate cut. docs/scale.md ("Search at a million") gives the measured recall and latency.
import { int8Scan, kernelMemory, type Int8Scan, type WasmMemory } from './int8Kernel';
import { topK, type SearchHit } from './search';
import { dot } from './vectors';

const PAGE = 65536;
/** Rows per kernel call: small enough that V8 switches to its optimised WebAssembly tier early in the first scan. */
const CHUNK_ROWS = 16384;
/** Exact re-ranking candidates by default: at least this many, and at least 8 per hit asked for. */
const MIN_RERANK = 256;

export class PackedIndex {
  readonly size: number;
  readonly dims: number;
  /** Codes per row, padded with zeros to the kernel's 16-byte step. */
  private readonly stride: number;
  private readonly scales: Float32Array;
  private readonly norms: Float64Array;
  private readonly memory: WasmMemory;
  private readonly scan: Int8Scan;
  /** Byte offsets in `memory`: the query (int16), the kernel's output (int32 per chunk row), the codes. */
  private readonly queryAt = 0;
  private readonly outAt: number;
  private readonly codesAt: number;

  constructor(private readonly vectors: readonly ArrayLike<number>[]) {
    this.size = vectors.length;
    this.dims = vectors[0]?.length ?? 0;
    this.stride = Math.ceil(this.dims / 16) * 16;
    this.outAt = this.stride * 2;
    this.codesAt = this.outAt + CHUNK_ROWS * 4;
    const bytes = this.codesAt + this.size * this.stride;
    if (bytes > 65536 * PAGE)
      throw new Error(`${this.size} × ${this.dims} codes exceed the 4 GiB a WebAssembly memory can hold`);
    const pages = Math.max(1, Math.ceil(bytes / PAGE));
    this.memory = kernelMemory(pages);
    this.scan = int8Scan(this.memory);
    this.scales = new Float32Array(this.size);
    this.norms = new Float64Array(this.size);
    const codes = new Int8Array(this.memory.buffer, this.codesAt, this.size * this.stride);
    for (let i = 0; i < this.size; i++) {
      const v = vectors[i];
      if (v.length !== this.dims)
        throw new Error(`Embedding ${i} has ${v.length} dimensions where the others have ${this.dims}`);
      const norm = l2(v);
      if (!(norm > 0)) throw new Error(`Embedding ${i} is all zeros and cannot be searched`);
      this.norms[i] = norm;
      this.scales[i] = quantise(v, codes, i * this.stride) / norm;
    }
  }

  /**
   * The k images most similar to `query` by cosine, best first, with exact cosines; `exclude` (the
   * query image itself) is skipped. `rerank` rows are re-scored exactly (more: higher recall, slower).
   */
  search(query: ArrayLike<number>, k: number, exclude?: number, rerank?: number): SearchHit[] {
    if (query.length !== this.dims)
      throw new Error(`The query has ${query.length} dimensions; the images have ${this.dims}`);
    const queryNorm = l2(query);
    if (!(queryNorm > 0)) throw new Error('Cannot search with an all-zero embedding');
    const approximate = this.approximateCosines(query);
    const cut = Math.max(k, rerank ?? Math.max(MIN_RERANK, 8 * k));
    const candidates = topK(approximate, Math.min(this.size, cut), exclude);
    const exact = candidates.map(({ index }) => ({
      index,
      cosine: dot(this.vectors[index], query) / (this.norms[index] * queryNorm),
    }));
    exact.sort((a, b) => b.cosine - a.cosine || a.index - b.index);
    return exact.slice(0, k);
  }

  /** The int8 estimate of every row's cosine with `query`, up to one positive factor (the query's scale). */
  approximateCosines(query: ArrayLike<number>): Float32Array {
    const q16 = new Int16Array(this.memory.buffer, this.queryAt, this.stride);
    const q8 = new Int8Array(this.stride);
    quantise(query, q8, 0);
    q16.set(q8);
    const out = new Int32Array(this.memory.buffer, this.outAt, CHUNK_ROWS);
    const scores = new Float32Array(this.size);
    for (let start = 0; start < this.size; start += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, this.size - start);
      this.scan(this.queryAt, this.codesAt + start * this.stride, count, this.stride, this.outAt);
      for (let r = 0; r < count; r++) scores[start + r] = out[r] * this.scales[start + r];
    }
    return scores;
  }
}

/**
 * Writes `v` as int8 codes (the largest magnitude ↦ ±127) into `codes` at `at`; returns the
 * scale: v[j] ≈ codes[j] · scale.
 */
function quantise(v: ArrayLike<number>, codes: Int8Array, at: number): number {
  let max = 0;
  for (let j = 0; j < v.length; j++) {
    const m = v[j] < 0 ? -v[j] : v[j];
    if (m > max) max = m;
  }
  if (max === 0) return 0;
  const inverse = 127 / max;
  for (let j = 0; j < v.length; j++) codes[at + j] = Math.round(v[j] * inverse);
  return max / 127;
}

function l2(v: ArrayLike<number>): number {
  return Math.sqrt(dot(v, v));
}
