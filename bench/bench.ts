// npm run bench -- [--model DIR] [--images LABELS.csv] [--batch-size N] [--limit N]
// npm run bench -- --listing N   (only the images cell over N synthetic PNGs, cold and warm)
// npm run bench -- --scale N [--model DIR] [--listing-files L] [--cache-entries C] [--search-images M] [--edits R] [--edit-only]   (bench/scale.ts)
// npm run bench -- --cache N [--dims D]   (only the embedding cache: N entries of D floats, default 512, stored and loaded)
// Prints one JSON object: imagesPerSecond (cold cache, decode + preprocess + ONNX), the bare
// onnxruntime-node throughput of the same vision tower in the same run (no decoding),
// decodePerSecond (every image of the set decoded to 8-bit RGB, alone, as many at a time as the
// images step does; DICOM through the worker threads), the time from a one-descriptor edit to
// new metrics, and peak RSS.
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeImage } from '../src/images/decode';
import { Kernel } from '../src/kernel/kernel';
import { bareVisionThroughput } from './bareOrt';
import { listingBench } from './listing';
import { cacheBench, scaleBench } from './scale';

interface Args {
  model: string;
  images: string;
  batchSize: number;
  limit?: number;
  listing?: number;
  scale?: number;
  modelGiven: boolean;
  listingFiles?: number;
  cacheEntries?: number;
  searchImages?: number;
  cache?: number;
  dims: number;
  editOnly?: boolean;
  edits?: number;
}

/**
 * The whole 624-image Kermany test split when the optional data folder sits beside the checkout
 * (`../shared/data`), else the 90-image subset the tests use.
 */
function defaultImages(): string {
  const full = path.resolve(__dirname, '../../shared/data/kermany-test-224/labels.csv');
  return existsSync(full) ? full : path.resolve(__dirname, '../test/fixtures/kermany/labels.csv');
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    model: path.resolve(__dirname, '../models/demo'),
    images: defaultImages(),
    batchSize: 16,
    modelGiven: false,
    dims: 512,
  };
  const count = (flag: string, v: string) => {
    const x = Number(v);
    if (!Number.isInteger(x) || x < 1) throw new Error(`${flag} needs a number of images or files`);
    return x;
  };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--model':
        args.model = path.resolve(v);
        args.modelGiven = true;
        i++;
        break;
      case '--images':
        args.images = path.resolve(v);
        i++;
        break;
      case '--batch-size':
        args.batchSize = Number(v);
        i++;
        break;
      case '--limit':
        args.limit = Number(v);
        i++;
        break;
      case '--listing':
        args.listing = count('--listing', v);
        i++;
        break;
      case '--scale':
        args.scale = count('--scale', v);
        i++;
        break;
      case '--listing-files':
        args.listingFiles = count('--listing-files', v);
        i++;
        break;
      case '--cache-entries':
        args.cacheEntries = count('--cache-entries', v);
        i++;
        break;
      case '--cache':
        args.cache = count('--cache', v);
        i++;
        break;
      case '--dims':
        args.dims = count('--dims', v);
        i++;
        break;
      case '--search-images':
        args.searchImages = count('--search-images', v);
        i++;
        break;
      case '--edits':
        args.edits = count('--edits', v);
        i++;
        break;
      case '--edit-only':
        args.editOnly = true;
        break;
      default:
        throw new Error(
          `unknown argument ${argv[i]} (use --model DIR --images LABELS.csv --batch-size N --limit N, or --listing N, or --cache N [--dims D], or --scale N [--model DIR --listing-files L --cache-entries C --search-images M --edits R --edit-only])`,
        );
    }
  }
  return args;
}

/** Descriptors for the benchmark's classes: the cost depends on their count, not their meaning. */
function descriptorCell(name: string, classes: string[], edited: boolean): string {
  const lines = classes.map((c, i) => {
    const ds = [`finding ${i} one`, `finding ${i} two`, `finding ${i} three`];
    if (edited && i === 0) ds[0] = `${ds[0]} (edited)`;
    return `  ${JSON.stringify(c)}: [${ds.map((d) => JSON.stringify(d)).join(', ')}]`;
  });
  return `descriptors: ${name}\nclasses:\n${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.listing) {
    process.stdout.write(`${JSON.stringify(await listingBench(args.listing), null, 2)}\n`);
    return;
  }
  if (args.cache) {
    process.stdout.write(`${JSON.stringify(await cacheBench(args.cache, args.dims))}\n`);
    return;
  }
  if (args.scale) {
    const figures = await scaleBench({ ...args, images: args.scale });
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    return;
  }
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'symptom-lens-bench-'));
  const notebookPath = path.join(work, 'bench.lensnb');
  const kernel = new Kernel({
    notebookPath,
    cacheDir: path.join(work, 'cache'),
    settings: { batchSize: args.batchSize },
  });
  const must = async (id: string, source: string) => {
    const outcome = await kernel.runCell(id, source);
    if (!outcome.ok) throw new Error(`bench cell ${id} failed: ${outcome.error}`);
    return outcome;
  };
  try {
    const imagesCell = `images: bench\nfrom: ${JSON.stringify(args.images)}\n${args.limit ? `limit: ${args.limit}\n` : ''}`;
    const loaded = await must('images', imagesCell);
    const classes = (loaded.result as { classes: string[] }).classes;
    const count = (loaded.result as { count: number }).count;
    await must('model', `model: m\npath: ${JSON.stringify(args.model)}\n`);
    await must('d', descriptorCell('d', classes, false));
    const scoreCell = 'score: s\nimages: bench\nmodel: m\ndescriptors: [d]\n';
    const t0 = performance.now();
    const cold = await must('score', scoreCell);
    const coldMs = performance.now() - t0;
    const run = (cold.result as { run: { provider: string; encoded: { images: number } } }).run;

    // The loop that must feel instant: edit one descriptor, re-run the set and the score.
    const t1 = performance.now();
    await must('d', descriptorCell('d', classes, true));
    const edited = await must('score', scoreCell);
    const editToMetricsMs = performance.now() - t1;
    const encodedAfterEdit = (edited.result as { run: { encoded: { images: number; texts: number } } }).run.encoded;

    const decodePerSecond = await decodeThroughput(kernel.session.imageSets.get('bench')!.entries);
    const bare = await bareVisionThroughput(args.model, { batchSize: args.batchSize, images: Math.min(count, 128) });
    const peakRssMiB = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(
      `${JSON.stringify(
        {
          model: args.model,
          provider: run.provider,
          images: count,
          batchSize: args.batchSize,
          threads: os.availableParallelism(),
          imagesPerSecond: round(run.encoded.images / (coldMs / 1000)),
          bareOrtImagesPerSecond: round(bare.imagesPerSecond),
          decodePerSecond: round(decodePerSecond),
          coldScoreMs: Math.round(coldMs),
          editToMetricsMs: Math.round(editToMetricsMs),
          encodedAfterEdit,
          peakRssMiB: Math.round(peakRssMiB),
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await kernel.dispose();
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** Images decoded per second, 4 at a time as the images step decodes them (repeated up to 64 decodes for small sets). */
async function decodeThroughput(entries: { path: string }[]): Promise<number> {
  const rounds = Math.max(1, Math.ceil(64 / entries.length));
  const queue = Array.from({ length: rounds }, () => entries.map((e) => e.path)).flat();
  const total = queue.length;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let file = queue.shift(); file; file = queue.shift()) await decodeImage(file);
    }),
  );
  return total / ((performance.now() - t0) / 1000);
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

main().catch((e) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
