// Execution providers: CUDA where onnxruntime-node's CUDA provider libraries are installed,
// else CPU, always with a reason the user can read in the status bar and the run record.

import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InferenceSession } from 'onnxruntime-node';
import type { DevicePreference } from './types';
import { ModelError } from './errors';

export type Provider = 'cuda' | 'cpu';

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

export interface SessionSettings {
  device: DevicePreference;
  threads?: number;
  log: (message: string) => void;
}

export interface OpenedSessions {
  sessions: InferenceSession[];
  provider: Provider;
  reason: string;
}

function sessionOptions(provider: Provider, threads: number): InferenceSession.SessionOptions {
  return {
    // A list like ['cuda', 'cpu'] lets ops CUDA lacks run on CPU inside the graph; it does not
    // make session creation fall back when CUDA itself cannot start (that throws; see below).
    executionProviders: provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    // onnxruntime-node's default here is one intra-op thread; all cores measured 60–75 % faster.
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // Graph-cleanup warnings of exported models mean nothing to a user; errors still print.
    logSeverityLevel: 3,
  };
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err)
    .split('\n')[0]
    .trim();
}

class OpenFailure extends Error {
  constructor(
    readonly file: string,
    failure: unknown,
  ) {
    super(firstLine(failure));
  }
}

async function openAll(files: string[], provider: Provider, threads: number): Promise<InferenceSession[]> {
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

/** Open one session per graph, all on the same provider. */
export async function openSessions(files: string[], settings: SessionSettings): Promise<OpenedSessions> {
  const threads = settings.threads ?? os.availableParallelism();
  let cpuReason: string;
  if (settings.device === 'cpu') {
    cpuReason = 'CPU requested';
  } else {
    const missing = missingCudaLibraries();
    if (missing.length > 0 && settings.device === 'auto') {
      cpuReason =
        `CUDA provider libraries not found beside onnxruntime-node (${missing.join(', ')}); using CPU. ` +
        'Install them with npm install --onnxruntime-node-install=cuda12';
    } else {
      try {
        const sessions = await openAll(files, 'cuda', threads);
        return { sessions, provider: 'cuda', reason: settings.device === 'cuda' ? 'CUDA requested' : 'CUDA available' };
      } catch (err) {
        cpuReason = `CUDA could not start (${firstLine(err)}); using CPU`;
        settings.log(cpuReason);
      }
    }
  }
  try {
    return { sessions: await openAll(files, 'cpu', threads), provider: 'cpu', reason: cpuReason };
  } catch (err) {
    const file = (err as OpenFailure).file;
    throw new ModelError(`onnxruntime cannot load ${file}: ${(err as OpenFailure).message}`, file);
  }
}
