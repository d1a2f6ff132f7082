// A score cell's predictions and metrics as CSV, one row per image and variant and one row per
// variant: what the CLI writes beside results.json for spreadsheets and R/pandas.
import { labelMargin } from '../protocol/margin';
import type { Classes, ScoreResult } from '../protocol/results';

type Cell = string | number | null | undefined;

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvField(value: Cell): string {
  if (value === null || value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A label or prediction in one field: the class, or a multi-label image's classes in class order
 * joined by ";" (an empty field when it has none).
 */
export function csvClasses(value: Classes): string {
  return Array.isArray(value) ? value.join(';') : value;
}

function csv(rows: Cell[][]): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/**
 * variant, image, label, predicted (csvClasses), margin (protocol/margin.ts), then one score per
 * class.
 */
export function predictionsCsv(score: ScoreResult): string {
  return [...predictionsCsvChunks(score)].join('');
}

/** Rows written at a time by predictionsCsvChunks. */
const CHUNK_ROWS = 5000;

/**
 * predictionsCsv a few thousand rows at a time, for a file written as it is produced: at 100,000
 * images the whole text and its rows would hold some 100 MB at once.
 */
export function* predictionsCsvChunks(score: ScoreResult): Generator<string> {
  yield csv([['variant', 'image', 'label', 'predicted', 'margin', ...score.classes.map((c) => `score ${c}`)]]);
  for (const v of score.variants) {
    for (let start = 0; start < v.predictions.length; start += CHUNK_ROWS) {
      yield csv(
        v.predictions
          .slice(start, start + CHUNK_ROWS)
          .map((p) => [
            v.name,
            p.image,
            csvClasses(p.label),
            csvClasses(p.predicted),
            labelMargin(p.label, p.scores, score.classes),
            ...score.classes.map((c) => p.scores[c]),
          ]),
      );
    }
  }
}

/**
 * One row per variant: the summary metrics with their 95 % bootstrap intervals (empty where not
 * computed), then the AUROC of each class.
 */
export function metricsCsv(score: ScoreResult): string {
  const summary = ['accuracy', 'balancedAccuracy', 'macroF1', 'meanAuroc'] as const;
  return csv([
    [
      'variant',
      'control',
      ...summary.flatMap((m) => [m, `${m} CI low`, `${m} CI high`]),
      ...score.classes.map((c) => `AUROC ${c}`),
    ],
    ...score.variants.map((v) => [
      v.name,
      v.control,
      ...summary.flatMap((m) => {
        const ci = v.metrics.ci?.[m];
        return [v.metrics[m], ci?.low, ci?.high];
      }),
      ...score.classes.map((c) => v.metrics.auroc[c]),
    ]),
  ]);
}

/** The score as JSON, as results.json holds the cell's result: every variant's metrics and predictions, no thumbnails. */
export function scoreJson(score: ScoreResult): string {
  const { thumbnails: _inline, ...result } = score;
  void _inline;
  return `${JSON.stringify(result, null, 2)}\n`;
}
