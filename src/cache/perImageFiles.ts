// The per-image files of paged score outputs, in the cache folder beside the run history:
// `<cache>/per-image/<cell key>/<run id>.parquet`, the cell key as RunHistory.key (notebook and
// cell name). A saved output names its run; the renderer's requests reach a file only through
// these two hashes, never through a path. The last few runs of a cell are kept, so an output
// that is still on screen while its cell re-runs can go on paging.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomicWrite';
import { RunHistory } from './runHistory';

const NAMESPACE = 'per-image';
/** Files kept per score cell. */
export const KEPT_RUNS = 3;
const RUN_ID = /^[0-9a-f]{16}$/;

export function newRunId(): string {
  return randomBytes(8).toString('hex');
}

export function isRunId(run: unknown): run is string {
  return typeof run === 'string' && RUN_ID.test(run);
}

function folder(cacheDir: string, notebookPath: string, cell: string): string {
  return path.join(cacheDir, NAMESPACE, RunHistory.key(notebookPath, cell));
}

export function perImageFile(cacheDir: string, notebookPath: string, cell: string, run: string): string {
  if (!isRunId(run)) throw new Error(`not a run id: ${JSON.stringify(run).slice(0, 40)}`);
  return path.join(folder(cacheDir, notebookPath, cell), `${run}.parquet`);
}

/**
 * A cell's name as the start of the files the CLI writes for it beside results.json (its --out,
 * where it also writes the executed notebook): anything but letters, digits, `.`, `-` and `_`
 * replaced, so it names a file in that folder and nothing else.
 */
export function cellFileStem(cell: string): string {
  return cell.replace(/[^\w.-]+/g, '_');
}

/** The name of a score's per-image file beside results.json. */
export function perImageFileName(cell: string): string {
  return `${cellFileStem(cell)}.per-image.parquet`;
}

/** Stores a run's file and drops the cell's older ones past KEPT_RUNS. */
export async function writePerImageFile(
  cacheDir: string,
  notebookPath: string,
  cell: string,
  run: string,
  data: Uint8Array,
): Promise<void> {
  const file = perImageFile(cacheDir, notebookPath, cell, run);
  await writeFileAtomic(file, data);
  const dir = path.dirname(file);
  const names = (await fs.readdir(dir)).filter((n) => n.endsWith('.parquet'));
  const dated = await Promise.all(
    names.map(async (n) => ({ n, t: (await fs.stat(path.join(dir, n)).catch(() => undefined))?.mtimeMs ?? 0 })),
  );
  dated.sort((a, b) => b.t - a.t);
  for (const { n } of dated.slice(KEPT_RUNS)) {
    if (n !== path.basename(file)) await fs.rm(path.join(dir, n), { force: true });
  }
}

/** The run's file in the cache, or undefined when it is gone (cache cleared, another machine, pruned). */
export function readPerImageFile(
  cacheDir: string,
  notebookPath: string,
  cell: string,
  run: string,
): Promise<Buffer | undefined> {
  return readIfThere(perImageFile(cacheDir, notebookPath, cell, run));
}

/**
 * The per-image file the CLI wrote beside the notebook it executed (perImageFileName), or
 * undefined when there is none: such a notebook, opened later, has no cache of its own runs.
 */
export function readPerImageFileBeside(notebookPath: string, cell: string): Promise<Buffer | undefined> {
  return readIfThere(path.join(path.dirname(notebookPath), perImageFileName(cell)));
}

/** The file's bytes, or undefined when there is no such file (any other error is thrown). */
async function readIfThere(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
