// npm run bench -- --scale N [--model DIR] [--listing-files L] [--cache-entries C] [--search-images M]
//                   [--edits R] [--edit-only]
// Prints one JSON object of the scale figures at N images (issue "Scale"), from synthetic data
// so that any N can be measured without a data set:
// - listing: the images cell over L synthetic PNGs (default min(N, 10,000)), cold and warm;
// - embeddings: N precomputed unit vectors of the model's dimension in clip-retrieval's layout
//   (an images cell with `embeddings:`), their load time, and the embedding cache's own load time
//   for C entries written through it (default min(N, 100,000)) and the files it keeps them in;
// - the edit loop: a score over the N embeddings, then one descriptor edited and the score run
//   again, with the time split into the score step's phases as it reports them (kernel/phases.ts)
//   and the serialisation of its output as the notebook saves it;
// - output sizes: the score output as the notebook saves it, results.json, the per-image Parquet
//   file it names for a large score, and report.html (the same notebook run headless, as the CLI
//   does, in a process of its own: bench/headless.ts), the time that run took and its peak RSS;
// - search: packed-index latency and recall@10 over M random vectors (default N);
// - peak RSS (and after which part it was reached), and with --model the bare onnxruntime-node
//   throughput of its vision tower.
// --edits R times R edits (default 3) and reports their medians. --edit-only measures the model
// cell, the embedding import and the edit loop alone (no listing, cache load, headless run, search
// or bare runtime): the quick way to profile the loop.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { EmbeddingCache } from '../src/cache/embeddingCache';
import { perImageWritesSettled } from '../src/scoring/perImageWriter';
import { outcomeOutputs } from '../src/cli/executedNotebook';
import { Kernel, type CellOutcome } from '../src/kernel/kernel';
import { forgetRememberedWork } from '../src/kernel/rememberedWork';
import type { PhaseSink } from '../src/kernel/phases';
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
  editOnly?: boolean;
  /** How many one-descriptor edits to time (default 3). */
  edits?: number;
}

const CLASSES = ['normal', 'effusion', 'cardiomegaly', 'nodule', 'pneumothorax'];

/** The descriptors cell after `edit` edits: each gives the first descriptor a text not embedded before. */
function descriptorCell(edit: number): string {
  const lines = CLASSES.map((c, i) => {
    const ds = [`finding ${i} one`, `finding ${i} two`, `finding ${i} three`];
    if (edit > 0 && i === 0) ds[0] = `${ds[0]} (edit ${edit})`;
    return `  ${c}: [${ds.map((d) => JSON.stringify(d)).join(', ')}]`;
  });
  return `descriptors: d\nclasses:\n${lines.join('\n')}\n`;
}

const ms = (x: number) => Math.round(x);
const execFileAsync = promisify(execFile);

/** Per key, the median over the runs, in whole milliseconds. */
function medians(runs: Record<string, number>[]): Record<string, number> {
  return Object.fromEntries(
    Object.keys(runs[0]).map((key) => {
      const sorted = runs.map((r) => r[key] ?? 0).sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      return [key, ms(sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2)];
    }),
  );
}
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
const maxRssMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);

export async function scaleBench(args: ScaleArgs): Promise<Record<string, unknown>> {
  const n = args.images;
  const full = !args.editOnly;
  const listing = full ? await listingBench(args.listingFiles ?? Math.min(n, 10_000)) : {};
  // The process's peak so far after each part: which part sets the peak.
  const peakSoFar: Record<string, number> = { listing: maxRssMiB() };
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
    const must = async (id: string, source: string, timing?: PhaseSink) => {
      const outcome = await kernel.runCell(id, source, { timing });
      if (!outcome.ok) throw new Error(`bench cell ${id} failed: ${outcome.error}`);
      return outcome;
    };
    const rssBeforeModel = process.memoryUsage().rss;
    await must('model', modelCell);
    // What the loaded model sessions (vision tower in its worker thread, text tower) hold.
    const modelSessionsRss = process.memoryUsage().rss - rssBeforeModel;
    const dims = kernel.session.models.get('m')!.model.embedDim;
    // The bench's own copy of the vectors is dropped before the notebook runs: the peak RSS is the
    // notebook's, not the test data generator's.
    const cacheLoad = await (async () => {
      const vectors = await writeSyntheticImport(work, n, dims, CLASSES);
      if (!full) return {};
      const entries = Math.min(n, args.cacheEntries ?? 100_000);
      return embeddingCacheLoad(path.join(work, 'cache-load'), vectors, dims, entries);
    })();

    const imagesCell = 'images: set\nfrom: labels.csv\nembeddings: emb\n';
    let t = performance.now();
    await must('images', imagesCell);
    const embeddingImportMs = performance.now() - t;

    await must('d', descriptorCell(0));
    const scoreCell = 'score: s\nimages: set\nmodel: m\ndescriptors: [d]\n';
    t = performance.now();
    await must('score', scoreCell);
    const coldScoreMs = performance.now() - t;
    // Its per-image file is written in the background; the first edit should not share a core with it.
    await perImageWritesSettled();
    const rssAfterColdScore = process.memoryUsage().rss;

    // The loop that must feel instant: edit one descriptor, re-run the descriptors and the score;
    // repeated with a new text each time, each figure the median over the edits.
    const edits: Record<string, number>[] = [];
    let edited: CellOutcome | undefined;
    let notebookOutputBytes = 0;
    const perImageWriteAfter: number[] = [];
    for (let edit = 1; edit <= (args.edits ?? 3); edit++) {
      const times: Record<string, number> = {};
      t = performance.now();
      await must('d', descriptorCell(edit));
      const scoreStart = performance.now();
      edited = await must('score', scoreCell, (phase, took) => (times[phase] = took));
      const scoreEnd = performance.now();
      // The output as the notebook saves it (VS Code encodes each item as JSON text).
      notebookOutputBytes = Buffer.byteLength(JSON.stringify(outcomeOutputs(edited)));
      const end = performance.now();
      edits.push({ total: end - t, descriptorsCell: scoreStart - t, ...times, outputSerialise: end - scoreEnd });
      // The per-image file is written in a worker after the cell returned: how much longer it
      // took, waited for here (as a person's next edit comes later) so edits do not overlap it.
      await perImageWritesSettled();
      perImageWriteAfter.push(performance.now() - end);
    }
    const { total, ...breakdown } = medians(edits);
    // Where the memory is after the loop: resident, and of it the JavaScript heap and the
    // buffers outside it (typed arrays, the model's tensors are native and count in neither).
    const after = process.memoryUsage();
    peakSoFar.editLoop = maxRssMiB();
    const memoryAfterEditsMiB = {
      rssAfterColdScore: mib(rssAfterColdScore),
      rss: mib(after.rss),
      heapUsed: mib(after.heapUsed),
      arrayBuffers: mib(after.arrayBuffers),
    };

    // The notebook closes, with what the process remembers between runs, before the next parts
    // (search, the bare runtime): what it left is collected now (npm run bench runs node with
    // --expose-gc) rather than whenever V8 gets to it. The headless run is a process of its own.
    await kernel.dispose();
    forgetRememberedWork();
    (globalThis as { gc?: () => void }).gc?.();
    const written = full
      ? await headlessRun(work, notebookPath, cacheDir, [modelCell, imagesCell, descriptorCell(1), scoreCell])
      : {};
    const search = full ? searchBench(args.searchImages ?? n, dims) : undefined;
    peakSoFar.search = maxRssMiB();
    // Before the bare runtime loads a second copy of the vision tower.
    const peakRssMiB = maxRssMiB();
    const bare =
      full && args.modelGiven
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
      edits: edits.length,
      editToMetricsMs: total,
      editToMetricsMsEach: edits.map((e) => ms(e.total)),
      editBreakdownMs: breakdown,
      perImageWriteAfterMs: medians(perImageWriteAfter.map((ms) => ({ ms }))).ms,
      encodedAfterEdit: (edited?.result as { run: { encoded: unknown } }).run.encoded,
      notebookScoreOutputBytes: notebookOutputBytes,
      ...written,
      ...(search ? { search } : {}),
      ...(bare ? { bareOrtImagesPerSecond: Math.round(bare.imagesPerSecond * 10) / 10 } : {}),
      modelSessionsRssMiB: mib(modelSessionsRss),
      memoryAfterEditsMiB,
      peakRssMiB,
      ...(full ? { peakRssMiBAfter: peakSoFar } : {}),
      cores: os.availableParallelism(),
      loadAverage1m: Math.round(os.loadavg()[0] * 10) / 10,
      node: process.version,
    };
  } finally {
    await kernel.dispose();
    await perImageWritesSettled();
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
  // In a process of its own, as the CLI runs: its peak memory is its own, not added to this one's.
  const t = performance.now();
  const child = await execFileAsync(process.execPath, [
    '--import',
    'tsx',
    path.join(__dirname, 'headless.ts'),
    notebookPath,
    outDir,
    cacheDir,
  ]);
  const summary = JSON.parse(child.stdout) as {
    resultsPath: string;
    reportPath: string;
    notebookPath: string;
    failed: { index: number; error?: string }[];
    peakRssMiB: number;
  };
  const headlessRunMs = performance.now() - t;
  const [failed] = summary.failed;
  if (failed) throw new Error(`headless run failed at cell ${failed.index}: ${failed.error}`);
  const size = async (file: string) => (await fs.stat(file)).size;
  return {
    headlessRunMs: ms(headlessRunMs),
    headlessRunPeakRssMiB: summary.peakRssMiB,
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
