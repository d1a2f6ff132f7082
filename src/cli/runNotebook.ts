// Runs a whole notebook headless. Also used by tests and the benchmark.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomicWrite';
import { escapeControlKeepLines } from '../common/terminal';
import { Kernel, type CellOutcome } from '../kernel/kernel';
import { parseNotebook } from '../kernel/nbformat';
import { writeReport, type ReportCell } from '../report/report';
import { metricsCsv, predictionsCsvChunks } from '../report/scoreCsv';
import type { ScoreResult } from '../protocol/results';
import { MIME } from '../protocol/mime';
import { cellFileStem, perImageFileName, readPerImageFile } from '../cache/perImageFiles';
import { perImageParquet } from '../scoring/perImageStore';
import { perImageWritesSettled } from '../scoring/perImageWriter';
import type { DevicePreference } from '../clip/types';
import { executedNotebookPath, executedNotebookText } from './executedNotebook';

export interface RunNotebookOptions {
  notebook: string;
  outDir: string;
  cacheDir?: string;
  device?: DevicePreference;
  batchSize?: number;
  quiet?: boolean;
  signal?: AbortSignal;
}

/** One entry of results.json's "cells" (a public format: keep the names). */
export interface CellResultJson {
  index: number;
  step: string | null;
  name: string | null;
  ok: boolean;
  error?: string;
  result?: unknown;
}

export interface RunSummary {
  resultsPath: string;
  reportPath: string;
  /** The notebook with this run's outputs (see executedNotebook.ts). */
  notebookPath: string;
  cells: (CellResultJson & { notRun?: boolean })[];
}

export async function runNotebook(opts: RunNotebookOptions): Promise<RunSummary> {
  const notebookPath = path.resolve(opts.notebook);
  const model = parseNotebook(await fs.readFile(notebookPath, 'utf8'), path.basename(notebookPath));
  const log = (m: string) => {
    // File, cell and class names in messages come from others' files: no terminal control codes.
    if (!opts.quiet) process.stderr.write(`${escapeControlKeepLines(m)}\n`);
  };
  const kernel = new Kernel({
    notebookPath,
    cacheDir: opts.cacheDir ? path.resolve(opts.cacheDir) : undefined,
    settings: {
      ...(opts.device ? { device: opts.device } : {}),
      ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
    },
    log,
  });
  const cells: RunSummary['cells'] = [];
  const reportCells: ReportCell[] = [];
  const outcomes = new Map<number, CellOutcome>();
  let failedAt: number | undefined;
  try {
    for (const [index, cell] of model.cells.entries()) {
      if (cell.kind === 'markdown') {
        reportCells.push({ index, step: null, name: null, ok: true, outputs: [], markdown: cell.source });
        continue;
      }
      if (failedAt !== undefined) {
        const error = `not run: cell ${failedAt + 1} failed before it`;
        cells.push({ index, step: null, name: null, ok: false, error, notRun: true });
        reportCells.push({ index, step: null, name: null, ok: false, error, outputs: [], source: cell.source });
        continue;
      }
      let lastShown = 0;
      const outcome = await kernel.runCell(String(index), cell.source, {
        signal: opts.signal,
        progress: (message, fraction) => {
          // Throttle: one progress line a second is plenty on a terminal.
          if (Date.now() - lastShown > 1000 || fraction === 1) {
            lastShown = Date.now();
            log(`[cell ${index + 1}] ${message}`);
          }
        },
      });
      const entry: CellResultJson = { index, step: outcome.step ?? null, name: outcome.name ?? null, ok: outcome.ok };
      if (outcome.ok) entry.result = outcome.result;
      else entry.error = outcome.error;
      cells.push(entry);
      outcomes.set(index, outcome);
      reportCells.push({ ...entry, outputs: outcome.outputs, source: cell.source });
      log(
        `[cell ${index + 1}] ${outcome.ok ? 'ok' : 'FAILED'} ${outcome.step ?? ''}${outcome.name ? `: ${outcome.name}` : ''} (${outcome.durationMs} ms)${outcome.ok ? '' : ` — ${outcome.error}`}`,
      );
      if (!outcome.ok) failedAt = index;
    }
  } finally {
    await kernel.dispose();
    // The score cells' per-image files are written in the background: they are copied below.
    await perImageWritesSettled();
  }
  const resultsPath = path.join(opts.outDir, 'results.json');
  // Paged score outputs with their per-image file named, for results.json, the executed notebook
  // and the report.
  const named = new Map<number, ScoreResult>();
  // Each score cell's predictions and metrics as CSV too, named after the cell; a paged score's
  // every row as Parquet, which its entry in results.json names instead of listing them.
  for (const c of cells) {
    if (c.step !== 'score' || !c.ok || !c.result) continue;
    const score = c.result as ScoreResult;
    const name = cellFileStem(c.name ?? `cell${c.index + 1}`);
    const base = path.join(opts.outDir, name);
    await writeFileAtomic(`${base}.predictions.csv`, predictionsCsvChunks(score));
    await writeFileAtomic(`${base}.metrics.csv`, metricsCsv(score));
    const paged = outcomes.get(c.index)?.outputs.find((o) => o.mime === MIME.score)?.data as ScoreResult | undefined;
    if (!paged?.perImage) continue;
    // The run's file as the kernel stored it in the cache (the same bytes), else written anew.
    const { run } = paged.perImage;
    const bytes =
      (await readPerImageFile(kernel.cacheDir, notebookPath, score.name, run).catch(() => undefined)) ??
      perImageParquet(score, run);
    const file = perImageFileName(score.name);
    await writeFileAtomic(path.join(opts.outDir, file), bytes);
    named.set(c.index, { ...paged, perImage: { ...paged.perImage, file } });
  }
  // The notebook's file name: every path inside results.json is relative to its folder.
  const results = {
    notebook: path.basename(notebookPath),
    cells: cells.map(({ notRun: _n, ...c }) => {
      const paged = named.get(c.index);
      if (!paged) return c;
      const { thumbnails: _t, ...result } = paged;
      void _t;
      return { ...c, result };
    }),
  };
  await writeFileAtomic(resultsPath, `${JSON.stringify(results, null, 1)}\n`);
  const secrets = [process.env.OPENAI_API_KEY, process.env.HF_TOKEN];
  const executedPath = executedNotebookPath(notebookPath, opts.outDir);
  // Its paged outputs name their file too, which it finds beside it when opened later.
  await writeFileAtomic(executedPath, executedNotebookText(model, withNamedFiles(outcomes, named), secrets));
  const shown = reportCells.map((rc) => {
    const paged = named.get(rc.index);
    return paged ? { ...rc, outputs: rc.outputs.map((o) => (o.mime === MIME.score ? { ...o, data: paged } : o)) } : rc;
  });
  const reportPath = await writeReport(opts.outDir, { notebookPath, cells: shown, secrets });
  return { resultsPath, reportPath, notebookPath: executedPath, cells };
}

/** The outcomes with each paged score output replaced by the one naming its per-image file. */
function withNamedFiles(
  outcomes: ReadonlyMap<number, CellOutcome>,
  named: ReadonlyMap<number, ScoreResult>,
): Map<number, CellOutcome> {
  return new Map(
    [...outcomes].map(([index, outcome]) => {
      const paged = named.get(index);
      if (!paged) return [index, outcome];
      const outputs = outcome.outputs.map((o) => (o.mime === MIME.score ? { ...o, data: paged } : o));
      return [index, { ...outcome, outputs }];
    }),
  );
}
