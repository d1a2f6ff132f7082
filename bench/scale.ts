// npm run bench -- --scale N [--model DIR] [--listing-files L] [--cache-entries C] [--search-images M]
// Prints one JSON object of the scale figures at N images (issue "Scale"), from synthetic data
// so that any N can be measured without a data set:
// - listing: the images cell over L synthetic PNGs (default min(N, 10,000)), cold and warm;
// - embeddings: N precomputed unit vectors of the model's dimension in clip-retrieval's layout
//   (an images cell with `embeddings:`), their load time, and the embedding cache's own load time
//   for C entries written through it (default min(N, 100,000)) and the files it keeps them in;
// - the edit loop: a score over the N embeddings, then one descriptor edited and the score run
//   again, with the time split at the step's progress messages (image embeddings and cache reads,
//   text encoding, then scoring + metrics + intervals + thumbnails + the run record together);
// - output sizes: the score output as the notebook saves it, results.json, the per-image Parquet
//   file it names for a large score, and report.html (the same notebook run headless, as the CLI
//   does), and the time that run took;
// - search: packed-index latency and recall@10 over M random vectors (default N);
// - peak RSS, and with --model the bare onnxruntime-node throughput of its vision tower.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EmbeddingCache } from '../src/cache/embeddingCache';
import { outcomeOutputs } from '../src/cli/executedNotebook';
import { runNotebook } from '../src/cli/runNotebook';
import { Kernel } from '../src/kernel/kernel';
import { DEFAULT_NOTEBOOK_METADATA, serializeNotebook } from '../src/kernel/nbformat';
import { bareVisionThroughput } from './bareOrt';
import { writeSyntheticImport } from './embeddingsImport';
import { listingBench } from './listing';
import { searchBench } from './search';

export interface ScaleArgs {
  images: number;
  model: string;
  /** Given with --model: the bare runtime figure is measured only for a model named on purpose. */
  modelGiven: boolean;
  listingFiles?: number;
  cacheEntries?: number;
  searchImages?: number;
  batchSize: number;
}

const CLASSES = ['normal', 'effusion', 'cardiomegaly', 'nodule', 'pneumothorax'];

function descriptorCell(edited: boolean): string {
  const lines = CLASSES.map((c, i) => {
    const ds = [`finding ${i} one`, `finding ${i} two`, `finding ${i} three`];
    if (edited && i === 0) ds[0] = `${ds[0]} (edited)`;
    return `  ${c}: [${ds.map((d) => JSON.stringify(d)).join(', ')}]`;
  });
  return `descriptors: d\nclasses:\n${lines.join('\n')}\n`;
}

const ms = (x: number) => Math.round(x);
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

export async function scaleBench(args: ScaleArgs): Promise<Record<string, unknown>> {
  const n = args.images;
  const listing = await listingBench(args.listingFiles ?? Math.min(n, 10_000));
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'symptom-lens-scale-'));
  const notebookPath = path.join(work, 'scale.lensnb');
  const cacheDir = path.join(work, 'cache');
  const kernel = new Kernel({
    notebookPath,
    cacheDir,
    settings: { batchSize: args.batchSize },
  });
  try {
    const modelCell = `model: m\npath: ${JSON.stringify(args.model)}\n`;
    const must = async (id: string, source: string, progress?: (message: string) => void) => {
      const outcome = await kernel.runCell(id, source, { progress });
      if (!outcome.ok) throw new Error(`bench cell ${id} failed: ${outcome.error}`);
      return outcome;
    };
    const rssBeforeModel = process.memoryUsage().rss;
    await must('model', modelCell);
    // What the loaded model sessions (vision tower in its worker thread, text tower) hold.
    const modelSessionsRss = process.memoryUsage().rss - rssBeforeModel;
    const dims = kernel.session.models.get('m')!.model.embedDim;
    const vectors = await writeSyntheticImport(work, n, dims, CLASSES);

    const imagesCell = 'images: set\nfrom: labels.csv\nembeddings: emb\n';
    let t = performance.now();
    await must('images', imagesCell);
    const embeddingImportMs = performance.now() - t;
    const cacheLoad = await embeddingCacheLoad(
      path.join(work, 'cache-load'),
      vectors,
      dims,
      Math.min(n, args.cacheEntries ?? 100_000),
    );

    await must('d', descriptorCell(false));
    const scoreCell = 'score: s\nimages: set\nmodel: m\ndescriptors: [d]\n';
    t = performance.now();
    await must('score', scoreCell);
    const coldScoreMs = performance.now() - t;

    // The loop that must feel instant: edit one descriptor, re-run the descriptors and the score.
    const marks: [string, number][] = [];
    t = performance.now();
    await must('d', descriptorCell(true));
    const scoreStart = performance.now();
    const edited = await must('score', scoreCell, (m) => marks.push([m, performance.now()]));
    const end = performance.now();
    const at = (prefix: string) => marks.find(([m]) => m.startsWith(prefix))?.[1];
    const textsAt = at('Embedding') && marks.find(([m]) => / texts$/.test(m))?.[1];
    const scoringAt = at('Scoring');
    const notebookOutputBytes = Buffer.byteLength(JSON.stringify(outcomeOutputs(edited)));

    const written = await headlessRun(work, notebookPath, cacheDir, [
      modelCell,
      imagesCell,
      descriptorCell(true),
      scoreCell,
    ]);
    const search = searchBench(args.searchImages ?? n, dims);
    // Before the bare runtime loads a second copy of the vision tower.
    const peakRss = process.resourceUsage().maxRSS * 1024;
    const bare = args.modelGiven
      ? await bareVisionThroughput(args.model, {
          batchSize: args.batchSize,
          images: 128,
        })
      : undefined;
    return {
      benchmark: 'scale',
      images: n,
      model: args.model,
      dims,
      ...listing,
      embeddingImportMs: ms(embeddingImportMs),
      ...cacheLoad,
      coldScoreMs: ms(coldScoreMs),
      editToMetricsMs: ms(end - t),
      editBreakdownMs: {
        descriptorsCell: ms(scoreStart - t),
        imageEmbeddingsAndCacheReads: textsAt ? ms(textsAt - scoreStart) : null,
        textEncode: textsAt && scoringAt ? ms(scoringAt - textsAt) : null,
        scoringMetricsIntervalsThumbnailsRunRecord: scoringAt ? ms(end - scoringAt) : null,
      },
      encodedAfterEdit: (edited.result as { run: { encoded: unknown } }).run.encoded,
      notebookScoreOutputBytes: notebookOutputBytes,
      ...written,
      search,
      ...(bare ? { bareOrtImagesPerSecond: Math.round(bare.imagesPerSecond * 10) / 10 } : {}),
      modelSessionsRssMiB: mib(modelSessionsRss),
      peakRssMiB: mib(peakRss),
      cores: os.availableParallelism(),
      loadAverage1m: Math.round(os.loadavg()[0] * 10) / 10,
      node: process.version,
    };
  } finally {
    await kernel.dispose();
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** `npm run bench -- --cache N [--dims D]`: the embedding cache figures alone, for N random vectors. */
export async function cacheBench(n: number, dims: number): Promise<Record<string, unknown>> {
  const vectors = Float32Array.from({ length: n * dims }, () => Math.random() - 0.5);
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'symptom-lens-cache-'));
  try {
    return {
      benchmark: 'embedding cache',
      dims,
      ...(await embeddingCacheLoad(work, vectors, dims, n)),
      cores: os.availableParallelism(),
      loadAverage1m: Math.round(os.loadavg()[0] * 10) / 10,
      node: process.version,
    };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/**
 * The embedding cache's load time for `n` entries: the vectors are written through the cache
 * (as a score run stores what it encodes, 256 to a chunk), then the process's memory layer and
 * segment index are dropped, as a new process starts, and every entry is read back from disk
 * (from the page cache, as a re-run on the same machine would).
 */
async function embeddingCacheLoad(dir: string, vectors: Float32Array, dims: number, n: number) {
  const cache = new EmbeddingCache(dir);
  const keys = Array.from({ length: n }, (_, i) => EmbeddingCache.imageKey('bench', 'bench', String(i)));
  let t = performance.now();
  const rowOf = new Map(keys.map((k, i) => [k, vectors.subarray(i * dims, (i + 1) * dims)]));
  await cache.getOrEncode(
    keys,
    (k) => k,
    async (missing) => missing.map((k) => rowOf.get(k)!),
    256,
  );
  const storeMs = performance.now() - t;
  EmbeddingCache.clearMemory();
  t = performance.now();
  const cpu = process.cpuUsage();
  const read = await new EmbeddingCache(dir).getOrEncode(
    keys,
    (k) => k,
    async () => {
      throw new Error('the cache lost an entry');
    },
  );
  const loadMs = performance.now() - t;
  // CPU time of all threads: on a shared machine it says what the load costs when the wall time cannot.
  const loadCpu = process.cpuUsage(cpu);
  if (read.vectors.length !== n) throw new Error('the cache returned too few entries');
  const stored = await cache.stored();
  EmbeddingCache.clearMemory();
  return {
    embeddingCacheEntries: n,
    embeddingCacheLoadMs: ms(loadMs),
    embeddingCacheLoadCpuMs: ms((loadCpu.user + loadCpu.system) / 1000),
    embeddingCacheStoreMs: ms(storeMs),
    embeddingCacheFiles: stored.files,
    embeddingCacheBytes: stored.bytes,
  };
}

/** A notebook of these YAML cells, without outputs. */
export async function writeCodeNotebook(notebookPath: string, sources: string[]): Promise<void> {
  const cells = sources.map((source) => ({
    kind: 'code' as const,
    source,
    language: 'yaml',
    metadata: {},
    outputs: [],
  }));
  await fs.writeFile(
    notebookPath,
    serializeNotebook({
      cells,
      metadata: { ...DEFAULT_NOTEBOOK_METADATA },
      nbformatMinor: 5,
    }),
  );
}

/** The notebook of the edited loop run headless into an output folder: the sizes of what it writes. */
async function headlessRun(work: string, notebookPath: string, cacheDir: string, sources: string[]) {
  await writeCodeNotebook(notebookPath, sources);
  const outDir = path.join(work, 'out');
  const t = performance.now();
  const summary = await runNotebook({
    notebook: notebookPath,
    outDir,
    cacheDir,
    quiet: true,
  });
  const headlessRunMs = performance.now() - t;
  const failed = summary.cells.find((c) => !c.ok);
  if (failed) throw new Error(`headless run failed at cell ${failed.index}: ${failed.error}`);
  const size = async (file: string) => (await fs.stat(file)).size;
  return {
    headlessRunMs: ms(headlessRunMs),
    resultsJsonBytes: await size(summary.resultsPath),
    // A paged score's every row, which results.json names (README, "Large scores").
    perImageParquetBytes: (
      await Promise.all(
        (await fs.readdir(outDir))
          .filter((f) => f.endsWith('.per-image.parquet'))
          .map((f) => size(path.join(outDir, f))),
      )
    ).reduce((a, b) => a + b, 0),
    reportHtmlBytes: await size(summary.reportPath),
    executedNotebookBytes: await size(summary.notebookPath),
  };
}
