// Packed search (int8 codes scanned by the WebAssembly SIMD kernel, exact float re-ranking)
// against brute force over the same vectors: the kernel's integer dot products exactly, the hits'
// cosines and order exactly, and recall@10 on a small random set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32, type Random } from '../../src/common/random';
import { PackedIndex } from '../../src/scoring/packedSearch';
import { int8Scan, kernelMemory } from '../../src/scoring/int8Kernel';

function randomVectors(random: Random, n: number, dims: number): Float32Array[] {
  return Array.from({ length: n }, () => Float32Array.from({ length: dims }, () => random() + random() - 1));
}

function bruteForce(vectors: Float32Array[], query: ArrayLike<number>, k: number, exclude?: number) {
  const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));
  const q = norm(query);
  return vectors
    .map((v, index) => ({ index, cosine: v.reduce((s, x, j) => s + x * query[j], 0) / (norm(v) * q) }))
    .filter((h) => h.index !== exclude)
    .sort((a, b) => b.cosine - a.cosine || a.index - b.index)
    .slice(0, k);
}

test('the SIMD kernel computes every row’s integer dot product exactly, including the padded tail', () => {
  const random = mulberry32(3);
  const stride = 48;
  const rows = 37;
  const memory = kernelMemory(1);
  const query = new Int16Array(memory.buffer, 0, stride);
  const out = new Int32Array(memory.buffer, 1024, rows);
  const codes = new Int8Array(memory.buffer, 4096, rows * stride);
  for (let j = 0; j < stride; j++) query[j] = Math.round(random() * 254) - 127;
  for (let i = 0; i < codes.length; i++) codes[i] = Math.round(random() * 254) - 127;
  codes.fill(127, 0, stride); // the extremes must not overflow
  query.fill(-127, 0, stride);
  int8Scan(memory)(0, 4096, rows, stride, 1024);
  for (let r = 0; r < rows; r++) {
    let expected = 0;
    for (let j = 0; j < stride; j++) expected += codes[r * stride + j] * query[j];
    assert.equal(out[r], expected, `row ${r}`);
  }
});

test('packed search returns the brute-force top 10 with exact cosines, best first, the query image left out', () => {
  const random = mulberry32(11);
  const dims = 50; // not a multiple of 16: rows are padded
  const vectors = randomVectors(random, 3000, dims);
  const index = new PackedIndex(vectors);
  let found = 0;
  const queries = 40;
  for (let t = 0; t < queries; t++) {
    const query = Float32Array.from({ length: dims }, () => random() + random() - 1);
    const expected = bruteForce(vectors, query, 10);
    const got = index.search(query, 10);
    assert.equal(got.length, 10);
    for (let i = 1; i < got.length; i++) assert.ok(got[i - 1].cosine >= got[i].cosine, 'hits are best first');
    for (const hit of got) {
      const exact = bruteForce([vectors[hit.index]], query, 1)[0].cosine;
      assert.ok(Math.abs(hit.cosine - exact) < 1e-9, `hit ${hit.index}: ${hit.cosine} vs ${exact}`);
    }
    found += expected.filter((e) => got.some((g) => g.index === e.index)).length;
  }
  // Random directions are the hard case (cosines crowd near 0); 256 re-ranked rows find them all.
  assert.equal(found / (queries * 10), 1, `recall@10 ${found / (queries * 10)}`);

  // Re-ranking only k rows ranks by the int8 estimate alone: recall drops, which shows the
  // exact re-ranking is what holds it at 1.
  let coarse = 0;
  for (let t = 0; t < queries; t++) {
    const query = Float32Array.from({ length: dims }, () => random() + random() - 1);
    const expected = bruteForce(vectors, query, 10);
    const got = index.search(query, 10, undefined, 10);
    coarse += expected.filter((e) => got.some((g) => g.index === e.index)).length;
  }
  assert.ok(coarse < queries * 10, 'int8 ranking alone misses some of the exact top 10');

  const self = index.search(vectors[17], 5, 17);
  assert.deepEqual(
    self.map((h) => h.index),
    bruteForce(vectors, vectors[17], 5, 17).map((h) => h.index),
  );
  assert.throws(() => index.search([1, 2], 3), /2 dimensions/);
  assert.throws(() => new PackedIndex([new Float32Array(4), new Float32Array(4)]), /Embedding 0 is all zeros/);
  assert.throws(() => new PackedIndex([new Float32Array([1, 2]), new Float32Array([1])]), /Embedding 1 has 1/);
});
