// A paged score's per-image file (written into the cache by scoring/perImageWriter.ts) read back
// as the rows the renderer pages through: from the cache, or for a notebook the CLI executed,
// from the file it wrote beside it.
import { perImageFile, readPerImageFile, readPerImageFileBeside } from '../cache/perImageFiles';
import type { ScoreResult } from '../protocol/results';
import { perImageRun, readScoresParquet, scoresParquet, type PerImageRows } from '../report/scoresParquet';
import { perImageWritten } from './perImageWriter';

/** The Parquet bytes of every image's rows of `score` (with similarity), for the paged output of `run`. */
export function perImageParquet(score: ScoreResult, run?: string): Uint8Array {
  return new Uint8Array(scoresParquet(score, [], { similarity: true, run }));
}

const bytesOf = (buf: Buffer) => buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;

/**
 * Every row of a run's file, or undefined when the file is gone (or its write failed): the cache's, else the one the
 * CLI wrote beside the notebook, if it holds this run.
 */
export async function loadPerImage(
  cacheDir: string,
  notebookPath: string,
  cell: string,
  run: string,
): Promise<PerImageRows | undefined> {
  // A file still being written is read once it is there (or known not to be).
  await perImageWritten(perImageFile(cacheDir, notebookPath, cell, run));
  const cached = await readPerImageFile(cacheDir, notebookPath, cell, run);
  if (cached) return readScoresParquet(bytesOf(cached));
  const beside = await readPerImageFileBeside(notebookPath, cell);
  // Another run's file (the CLI's output of a later run, say) holds other rows: read none of them.
  return beside && perImageRun(bytesOf(beside)) === run ? readScoresParquet(bytesOf(beside)) : undefined;
}

/** A paged score with every row back from its per-image file: what exports write. */
export function withEveryRow(score: ScoreResult, file: PerImageRows): ScoreResult {
  const { perImage: _p, ...rest } = score;
  void _p;
  return {
    ...rest,
    variants: score.variants.map((v) => {
      const rows = file.variants.find((f) => f.name === v.name);
      return rows ? { ...v, predictions: rows.predictions, similarity: rows.similarity } : v;
    }),
  };
}
