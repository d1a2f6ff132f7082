// npm run bench:search -- [--images N] [--dims D] [--queries Q] [--k K]
// Prints one JSON object: the latency of one search query (normalised query, cosine against
// every row, top k) over N random unit vectors of D dimensions, the scale figure of the search
// step (100,000 × 512 by default). Random vectors cost the same as real embeddings: the work is
// N·D multiply-adds and a top-k pass whatever the values are.
import * as os from 'node:os';
import { mulberry32 } from '../src/common/random';
import { EmbeddingIndex } from '../src/scoring/search';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

function randomUnitVectors(n: number, dims: number, seed: number): Float32Array[] {
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

const images = option('images', 100_000);
const dims = option('dims', 512);
const queries = option('queries', 30);
const k = option('k', 20);
const buildStart = performance.now();
const index = new EmbeddingIndex(randomUnitVectors(images, dims, 1));
const buildMs = performance.now() - buildStart;
const probes = randomUnitVectors(queries + 3, dims, 2);
// The first queries let V8 optimise the loop; a notebook cell runs them warm as well.
for (const q of probes.slice(0, 3)) index.search(q, k);
const times = probes.slice(3).map((q) => {
  const t = performance.now();
  index.search(q, k);
  return performance.now() - t;
});
times.sort((a, b) => a - b);
const at = (p: number) => Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))] * 10) / 10;
process.stdout.write(
  `${JSON.stringify({
    benchmark: 'search',
    images,
    dims,
    k,
    queries,
    queryMsMedian: at(0.5),
    queryMsP95: at(0.95),
    queryMsMin: at(0),
    indexBuildMs: Math.round(buildMs),
    cores: os.cpus().length,
    // Other work on the machine inflates every figure: read them against the load.
    loadAverage1m: Math.round(os.loadavg()[0] * 10) / 10,
    node: process.version,
  })}\n`,
);
