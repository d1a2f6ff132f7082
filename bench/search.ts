// npm run bench:search -- [--images N] [--dims D] [--queries Q] [--k K]
// Prints one JSON object: the latency of one search query over N random unit vectors of D
// dimensions (1,000,000 × 512 by default), for the exact float scan the search step uses on
// small sets and for the packed int8 index with exact re-ranking it uses on large ones, and the
// packed index's recall@k against the exact ranking. Random vectors cost the same as real
// embeddings (the work is N·D multiply-adds and a top-k pass whatever the values are), and they
// are the hard case for recall: their cosines crowd near 0.
import * as os from 'node:os';
import { mulberry32 } from '../src/common/random';
import { PackedIndex } from '../src/scoring/packedSearch';
import { topK, type SearchHit } from '../src/scoring/search';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

export function randomUnitVectors(n: number, dims: number, seed: number): Float32Array[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const v = new Float32Array(dims);
    let norm = 0;
    for (let j = 0; j < dims; j++) {
      // A sum of uniforms is close enough to Gaussian for directions spread over the sphere.
      v[j] = random() + random() + random() - 1.5;
      norm += v[j] * v[j];
    }
    norm = Math.sqrt(norm);
    for (let j = 0; j < dims; j++) v[j] /= norm;
    return v;
  });
}

/** The exact top k by cosine over unit vectors, straight from the rows (no copy into an index). */
function exactSearch(rows: Float32Array[], query: Float32Array, k: number): SearchHit[] {
  const scores = new Float32Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    let sum = 0;
    for (let j = 0; j < row.length; j++) sum += row[j] * query[j];
    scores[r] = sum;
  }
  return topK(scores, k);
}

const percentile = (sorted: number[], p: number) =>
  Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] * 10) / 10;

/** Latency and recall of packed search over `images` random unit vectors. */
export function searchBench(images: number, dims = 512, queries = 20, k = 10) {
  const rows = randomUnitVectors(images, dims, 1);
  const buildStart = performance.now();
  const index = new PackedIndex(rows);
  const buildMs = performance.now() - buildStart;
  const probes = randomUnitVectors(queries + 3, dims, 2);
  // The first queries let V8 optimise the loops; a notebook cell runs them warm as well.
  for (const q of probes.slice(0, 3)) index.search(q, k);
  const packedMs: number[] = [];
  const exactMs: number[] = [];
  let found = 0;
  for (const q of probes.slice(3)) {
    let t = performance.now();
    const hits = index.search(q, k);
    packedMs.push(performance.now() - t);
    t = performance.now();
    const truth = exactSearch(rows, q, k);
    exactMs.push(performance.now() - t);
    found += truth.filter((h) => hits.some((x) => x.index === h.index)).length;
  }
  packedMs.sort((a, b) => a - b);
  exactMs.sort((a, b) => a - b);
  return {
    images,
    dims,
    k,
    queries,
    packedQueryMsMedian: percentile(packedMs, 0.5),
    packedQueryMsP95: percentile(packedMs, 0.95),
    exactQueryMsMedian: percentile(exactMs, 0.5),
    recallAtK: Math.round((found / (queries * k)) * 1000) / 1000,
    packedIndexBuildMs: Math.round(buildMs),
  };
}

if (require.main === module) {
  const result = searchBench(option('images', 1_000_000), option('dims', 512), option('queries', 20), option('k', 10));
  process.stdout.write(
    `${JSON.stringify({
      benchmark: 'search',
      ...result,
      cores: os.cpus().length,
      // Other work on the machine inflates every figure: read them against the load.
      loadAverage1m: Math.round(os.loadavg()[0] * 10) / 10,
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      node: process.version,
    })}\n`,
  );
}
