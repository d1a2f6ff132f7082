// Execution providers: `auto` tries CUDA (where onnxruntime-node's CUDA libraries are installed),
// then WebGPU (bundled with onnxruntime-node; it needs a GPU driver with an adapter), then CPU.
// Every provider passed over gets a reason the user reads in the status bar, the model cell's
// output and the run record; a forced provider that cannot start is an error saying what to install.

import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InferenceSession, listSupportedBackends } from 'onnxruntime-node';
import { ModelError, ProviderError } from './errors';
import {
  PROVIDER_LABEL,
  PROVIDERS,
  type DevicePreference,
  type Provider,
  type SkippedProvider,
  type Variant,
} from './types';

/**
 * The ONNX variants each provider runs. The dynamic int8 graphs of `quantized` exports
 * (DynamicQuantizeLinear, MatMulInteger, ConvInteger) have CPU kernels only: on a GPU provider
 * those nodes would run on the CPU with copies each way, slower than fp32 on the CPU.
 * fp16 runs everywhere; on CPU onnxruntime casts to fp32 around the nodes it lacks fp16 kernels for.
 */
export const SUPPORTED_VARIANTS: Record<Provider, readonly Variant[]> = {
  cuda: ['fp32', 'fp16'],
  webgpu: ['fp32', 'fp16'],
  cpu: ['fp32', 'fp16', 'quantized'],
};

/** Images (or texts) per batch when neither the cell nor the settings give one. */
export const DEFAULT_BATCH_SIZE: Record<Provider, number> = { cuda: 32, webgpu: 32, cpu: 16 };

const CUDA_INSTALL =
  'The CUDA provider needs CUDA 12 and cuDNN 9 and its libraries beside onnxruntime-node: install them with ' +
  '`npm install --onnxruntime-node-install=cuda12` (command line only; the VSIX carries no CUDA provider: ' +
  'use device: webgpu or auto there).';
const WEBGPU_INSTALL =
  "WebGPU runs on the GPU's own driver: on Linux a Vulkan driver and loader (e.g. NVIDIA's driver with " +
  'libvulkan1; software Vulkan such as llvmpipe is not enough), Direct3D 12 on Windows, Metal on macOS.';

/** What to install or change when a forced provider cannot start. */
export const PROVIDER_REMEDY: Record<Provider, string> = {
  cuda: CUDA_INSTALL,
  webgpu: WEBGPU_INSTALL,
  cpu: 'The CPU provider is part of onnxruntime-node: reinstall it (npm ci) if its binding is broken.',
};

/** Where onnxruntime-node's native binding lives: provider libraries must sit beside it. */
export function onnxruntimeBindingDir(): string {
  const root = path.dirname(require.resolve('onnxruntime-node/package.json'));
  return path.join(root, 'bin', 'napi-v6', process.platform, process.arch);
}

/** The libraries the CUDA provider needs (npm install --onnxruntime-node-install=cuda12 fetches them). */
export function cudaLibraryNames(platform: NodeJS.Platform = process.platform): string[] {
  if (platform === 'win32') return ['onnxruntime_providers_shared.dll', 'onnxruntime_providers_cuda.dll'];
  if (platform === 'linux') return ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'];
  return [];
}

export function missingCudaLibraries(dir = onnxruntimeBindingDir()): string[] {
  const names = cudaLibraryNames();
  if (names.length === 0) return [`CUDA builds of onnxruntime-node (none for ${process.platform})`];
  return names.filter((name) => !existsSync(path.join(dir, name)));
}

const VULKAN_LOADER = 'libvulkan.so.1';

/**
 * Whether the dynamic loader can find the Vulkan loader, which WebGPU (Dawn) needs on Linux: in
 * LD_LIBRARY_PATH, the usual library folders or ld.so's cache. Looking first spares a doomed
 * attempt, and Dawn's own warning on stderr.
 */
export function vulkanLoaderFound(
  ldLibraryPath = process.env.LD_LIBRARY_PATH ?? '',
  cacheFile = '/etc/ld.so.cache',
): boolean {
  const dirs = [
    ...ldLibraryPath.split(':').filter(Boolean),
    `/usr/lib/${os.arch() === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
  ];
  if (dirs.some((dir) => existsSync(path.join(dir, VULKAN_LOADER)))) return true;
  try {
    return readFileSync(cacheFile).includes(VULKAN_LOADER);
  } catch {
    return false;
  }
}

/**
 * Why `provider` cannot run `variants` here, found without opening a session; undefined: try it.
 * A missing Vulkan loader stops only `auto`: a forced WebGPU is tried all the same, since a
 * loader outside the places looked in (e.g. NixOS) would still be found by the dynamic loader.
 */
export function providerBlocker(provider: Provider, variants: readonly Variant[], forced = false): string | undefined {
  const unsupported = variants.filter((v) => !SUPPORTED_VARIANTS[provider].includes(v));
  if (unsupported.length > 0) {
    const runners = PROVIDERS.filter((p) => unsupported.every((v) => SUPPORTED_VARIANTS[p].includes(v)));
    return (
      `the ${unsupported.join('/')} variant runs on ${runners.map((p) => PROVIDER_LABEL[p]).join(', ')} only ` +
      `(${PROVIDER_LABEL[provider]} supports ${SUPPORTED_VARIANTS[provider].join(' and ')})`
    );
  }
  if (provider === 'cuda') {
    const missing = missingCudaLibraries();
    if (missing.length > 0) return `its provider libraries are not installed (${missing.join(', ')})`;
  }
  if (provider === 'webgpu') {
    if (!listSupportedBackends().some((b) => b.name === 'webgpu')) {
      return `this onnxruntime-node build (${process.platform}-${process.arch}) has no WebGPU provider`;
    }
    if (!forced && process.platform === 'linux' && !vulkanLoaderFound()) {
      return `no Vulkan loader (${VULKAN_LOADER}) found, so no WebGPU adapter`;
    }
  }
  return undefined;
}

export interface SessionSettings {
  device: DevicePreference;
  /** The variants of the graphs to open (see modelFolder's graphVariants). */
  variants: readonly Variant[];
  threads?: number;
  log: (message: string) => void;
}

export interface OpenedSessions<T> {
  /** What the opener returned on the provider picked. */
  sessions: T;
  provider: Provider;
  /** One sentence: what was asked for, what was picked, and each provider skipped with its reason. */
  reason: string;
  skipped: SkippedProvider[];
}

function sessionOptions(provider: Provider, threads: number): InferenceSession.SessionOptions {
  return {
    // A list like ['webgpu', 'cpu'] lets ops the GPU provider lacks run on CPU inside the graph; it
    // does not make session creation fall back when the provider itself cannot start (that throws).
    executionProviders: provider === 'cpu' ? ['cpu'] : [provider, 'cpu'],
    // onnxruntime-node's default here is one intra-op thread; all cores measured 60–75 % faster.
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // Graph-cleanup warnings of exported models mean nothing to a user; errors still print.
    logSeverityLevel: 3,
  };
}

/** onnxruntime's first line, without the source location and assertion text in front of the message. */
function cleanMessage(err: unknown): string {
  const first = String((err as Error)?.message ?? err)
    .split('\n')[0]
    .trim();
  return first.replace(/^.* was false\.\s*/, '').replace(/^\[ONNXRuntimeError\] : \d+ : \w+ : /, '');
}

export class OpenFailure extends Error {
  constructor(
    readonly file: string,
    failure: unknown,
  ) {
    super(cleanMessage(failure));
  }
}

/** Open one session per file on `provider`; on a failure release what was opened and throw OpenFailure. */
export async function openOn(provider: Provider, files: string[], threads: number): Promise<InferenceSession[]> {
  const opened: InferenceSession[] = [];
  for (const file of files) {
    try {
      opened.push(await InferenceSession.create(file, sessionOptions(provider, threads)));
    } catch (err) {
      await Promise.all(opened.map((s) => s.release().catch(() => {})));
      throw new OpenFailure(file, err);
    }
  }
  return opened;
}

function couldNotStart(provider: Provider, failure: OpenFailure): string {
  if (provider === 'cuda') return `it could not start (${failure.message}); CUDA 12 and cuDNN 9 must be installed`;
  if (provider === 'webgpu') {
    const loader =
      process.platform === 'linux' && !vulkanLoaderFound() ? `; no Vulkan loader (${VULKAN_LOADER}) found` : '';
    return `no WebGPU adapter (${failure.message}${loader})`;
  }
  return failure.message;
}

/** "auto picked CPU; CUDA skipped: …; WebGPU skipped: …" */
export function describeChoice(device: DevicePreference, provider: Provider, skipped: SkippedProvider[]): string {
  if (device !== 'auto') return `${PROVIDER_LABEL[provider]} requested`;
  const passed = skipped.map((s) => `; ${PROVIDER_LABEL[s.provider]} skipped: ${s.reason}`).join('');
  return `auto picked ${PROVIDER_LABEL[provider]}${passed}`;
}

/**
 * Open one session per graph, all on one provider: the forced one, or under `auto` the first of
 * CUDA, WebGPU, CPU that starts. `open` opens them on one provider (openOn, or the model's own
 * opener that puts the vision graph in a worker) and throws OpenFailure when one cannot start.
 * A forced provider that cannot start throws ProviderError.
 */
export async function openSessions<T>(
  files: string[],
  settings: SessionSettings,
  open: (provider: Provider, files: string[], threads: number) => Promise<T>,
): Promise<OpenedSessions<T>> {
  const threads = settings.threads ?? os.availableParallelism();
  const order = settings.device === 'auto' ? PROVIDERS : [settings.device];
  const skipped: SkippedProvider[] = [];
  for (const provider of order) {
    let reason = providerBlocker(provider, settings.variants, settings.device !== 'auto');
    if (reason === undefined) {
      try {
        const sessions = await open(provider, files, threads);
        return { sessions, provider, reason: describeChoice(settings.device, provider, skipped), skipped };
      } catch (err) {
        if (!(err instanceof OpenFailure)) throw err;
        // The CPU provider always exists: its failure is the graph's fault.
        if (provider === 'cpu') throw new ModelError(`onnxruntime cannot load ${err.file}: ${err.message}`, err.file);
        reason = couldNotStart(provider, err);
        settings.log(`${PROVIDER_LABEL[provider]} skipped: ${reason}`);
      }
    }
    if (settings.device !== 'auto') {
      const variantProblem = !settings.variants.every((v) => SUPPORTED_VARIANTS[provider].includes(v));
      throw new ProviderError(
        `device: ${provider} cannot be used: ${reason}.`,
        variantProblem ? 'variant' : 'device',
        variantProblem
          ? `Use variant: ${SUPPORTED_VARIANTS[provider].join(' or ')} on ${PROVIDER_LABEL[provider]}, or device: cpu.`
          : `${PROVIDER_REMEDY[provider]} Or use device: auto, which falls back to the CPU.`,
      );
    }
    skipped.push({ provider, reason });
  }
  // Unreachable: `auto` ends with the CPU, which either opens or throws ModelError.
  throw new ModelError(`No execution provider could open ${files.join(', ')}.`);
}
