// npm run bench:providers -- [--model DIR] [--providers cuda,webgpu,cpu] [--batch-sizes 16,32,64]
//                            [--images N] [--variant fp32|fp16]
// Images/s of the vision tower under each execution provider, through Symptom Lens's own model
// loader (the provider is forced, so a provider that cannot start reports the same reason a
// notebook would), and the cosine of each provider's image and text embeddings to the CPU's.
// Prints one JSON object. The pixels are generated, not decoded, so the bundle
// (npm run bench:bundle) needs onnxruntime-node and nothing else: see README "GPU".
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadClipModel } from '../src/clip/model';
import { PROVIDERS, type ClipModel, type Provider, type Variant } from '../src/clip/types';

interface Args {
  model: string;
  providers: Provider[];
  batchSizes: number[];
  images: number;
  variant: Variant;
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    model: path.resolve(process.cwd(), 'models/demo'),
    providers: [...PROVIDERS],
    batchSizes: [16, 32, 64],
    images: 128,
    variant: 'fp32',
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const v = argv[++i];
    switch (flag) {
      case '--model':
        args.model = path.resolve(v);
        break;
      case '--providers':
        args.providers = list(v).filter((p): p is Provider => (PROVIDERS as readonly string[]).includes(p));
        break;
      case '--batch-sizes':
        args.batchSizes = list(v).map(Number);
        break;
      case '--images':
        args.images = Number(v);
        break;
      case '--variant':
        args.variant = v as Variant;
        break;
      default:
        throw new Error(
          `unknown argument ${flag} (use --model DIR --providers cuda,webgpu,cpu --batch-sizes 16,32 --images N --variant fp32|fp16)`,
        );
    }
  }
  if (args.batchSizes.some((b) => !Number.isInteger(b) || b < 1) || !(args.images >= 1)) {
    throw new Error('--batch-sizes and --images take whole numbers ≥ 1');
  }
  return args;
}

/** Deterministic pixels in the normalised range of CLIP inputs (no decoding: no sharp needed). */
function syntheticPixels(count: number, side: number): Float32Array[] {
  let state = 0x2545f491;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) / 0xffffffff) * 3.6 - 1.8;
  };
  return Array.from({ length: count }, () => Float32Array.from({ length: 3 * side * side }, next));
}

const TEXTS = [
  'a chest x-ray with a large left pleural effusion',
  'normal heart size and clear lung fields',
  'patchy consolidation in the right lower lobe',
  'pneumothorax, which has a lung edge without markings',
];

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

function agreement(got: Float32Array[], reference: Float32Array[]): { min: number; mean: number } {
  const c = got.map((g, i) => cosine(g, reference[i]));
  return { min: round(Math.min(...c), 6), mean: round(c.reduce((a, b) => a + b, 0) / c.length, 6) };
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function gpuName(): string | undefined {
  try {
    return execFileSync('nvidia-smi', ['--query-gpu=name,driver_version', '--format=csv,noheader'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    }).trim();
  } catch {
    return undefined;
  }
}

interface ProviderRow {
  loadMs?: number;
  reason?: string;
  error?: string;
  imagesPerSecond?: Record<string, number>;
  cosineToCpu?: { images: { min: number; mean: number }; texts: { min: number; mean: number } };
  embeddings?: { images: Float32Array[]; texts: Float32Array[] };
}

async function measure(args: Args, provider: Provider, pixels: Float32Array[], sample: number): Promise<ProviderRow> {
  const row: ProviderRow = { imagesPerSecond: {} };
  for (const batchSize of args.batchSizes) {
    const t0 = performance.now();
    let model: ClipModel;
    try {
      model = await loadClipModel(args.model, { device: provider, variant: args.variant, batchSize });
    } catch (e) {
      return { error: (e as Error).message };
    }
    row.loadMs ??= Math.round(performance.now() - t0);
    row.reason = model.providerReason;
    try {
      await model.encodePixels(pixels.slice(0, batchSize)); // warm-up: the first run allocates and compiles
      const t1 = performance.now();
      await model.encodePixels(pixels);
      row.imagesPerSecond![String(batchSize)] = round(pixels.length / ((performance.now() - t1) / 1000));
      row.embeddings ??= {
        images: await model.encodePixels(pixels.slice(0, sample)),
        texts: await model.encodeTexts(TEXTS),
      };
    } finally {
      await model.dispose();
    }
  }
  return row;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // The image size comes from the model itself: open it once on the CPU.
  const probe = await loadClipModel(args.model, { device: 'cpu', variant: args.variant, batchSize: 1 });
  const side = probe.imageSize;
  await probe.dispose();
  const pixels = syntheticPixels(args.images, side);
  const sample = Math.min(32, args.images);

  const order = [...args.providers.filter((p) => p !== 'cpu'), 'cpu' as const];
  const rows: Partial<Record<Provider, ProviderRow>> = {};
  for (const provider of order) rows[provider] = await measure(args, provider, pixels, sample);

  const cpu = rows.cpu!;
  const best = (row: ProviderRow | undefined) => Math.max(0, ...Object.values(row?.imagesPerSecond ?? {}));
  const speedupOverCpu: Partial<Record<Provider, number>> = {};
  for (const provider of order) {
    const row = rows[provider]!;
    if (row.embeddings && cpu.embeddings) {
      row.cosineToCpu = {
        images: agreement(row.embeddings.images, cpu.embeddings.images),
        texts: agreement(row.embeddings.texts, cpu.embeddings.texts),
      };
      if (provider !== 'cpu' && best(cpu) > 0) speedupOverCpu[provider] = round(best(row) / best(cpu), 2);
    }
  }
  for (const row of Object.values(rows)) delete row.embeddings;
  process.stdout.write(
    `${JSON.stringify(
      {
        model: args.model,
        variant: args.variant,
        imageSize: side,
        images: args.images,
        gpu: gpuName() ?? null,
        cpus: os.availableParallelism(),
        node: process.version,
        providers: rows,
        speedupOverCpu,
      },
      null,
      2,
    )}\n`,
  );
}

main().catch((e) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
