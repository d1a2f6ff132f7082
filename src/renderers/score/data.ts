// The score output as the renderer reads it, and its checks: a malformed output names the field
// instead of drawing half a page.
import type { ScoreResult, VariantResult } from '../../protocol/results';
import type { SanityFlag } from '../../protocol/statistics';
import { ROWS_PAGE } from '../../protocol/rowOrder';
import { DataError, expectArray, expectClasses, expectObject, expectString } from '../_shared/renderer';

// Outputs saved before the statistics work lack flags, intervals and comparisons: all optional here.
export type Variant = VariantResult;
export type Score = Omit<ScoreResult, 'flags'> & { flags?: SanityFlag[] };

/** Cards and rows drawn at once; "Show more" adds the next page (big sets stay responsive). */
export const PAGE_SIZE = ROWS_PAGE;

export function parseScore(json: unknown): Score {
  const score = expectObject(json, 'score result');
  expectString(score.name, 'name');
  const classes = expectArray(score.classes, 'classes').map((c, i) => expectString(c, `classes[${i}]`));
  const variants = expectArray(score.variants, 'variants');
  const multiLabel = score.multiLabel === true;
  if (variants.length === 0) throw new DataError('`variants` is empty: the score cell scored no descriptor variant.');
  variants.forEach((raw, vi) => {
    const v = expectObject(raw, `variants[${vi}]`);
    expectString(v.name, `variants[${vi}].name`);
    expectObject(v.metrics, `variants[${vi}].metrics`);
    const predictions = expectArray(v.predictions, `variants[${vi}].predictions`);
    predictions.forEach((p, pi) => {
      const field = `variants[${vi}].predictions[${pi}]`;
      const pred = expectObject(p, field);
      expectString(pred.image, `${field}.image`);
      expectClasses(pred.label, `${field}.label`, multiLabel);
      expectClasses(pred.predicted, `${field}.predicted`, multiLabel);
      expectObject(pred.scores, `${field}.scores`);
    });
  });
  if (score.thumbnails !== undefined) expectObject(score.thumbnails, 'thumbnails');
  if (score.perImage !== undefined) {
    const p = expectObject(score.perImage, 'perImage');
    expectString(p.run, 'perImage.run');
    const indices = expectArray(p.indices, 'perImage.indices');
    if (
      typeof p.images !== 'number' ||
      indices.length !== (variants[0] as { predictions: unknown[] }).predictions.length
    )
      throw new DataError('`perImage` must count the images and list one position per kept row.');
  }
  if (score.flags !== undefined) expectArray(score.flags, 'flags');
  if (classes.length === 0) throw new DataError('`classes` is empty.');
  return score as unknown as Score;
}

/** Why the heatmap of a variant cannot be drawn, or undefined when its matrix is complete. */
export function similarityProblem(v: Variant): string | undefined {
  const n = v.predictions.length;
  if (!Array.isArray(v.similarity) || !Array.isArray(v.columns))
    return `variant ${v.name} carries no similarity matrix.`;
  if (v.similarity.length !== n)
    return `variant ${v.name}: similarity has ${v.similarity.length} rows but there are ${n} predictions.`;
  const bad = v.similarity.findIndex((row) => !Array.isArray(row) || row.length !== v.columns.length);
  if (bad >= 0)
    return `variant ${v.name}: similarity row ${bad} does not have one value per descriptor (${v.columns.length}).`;
  return undefined;
}

/**
 * Short labels for a variant's descriptor columns: the texts without the whole words they all
 * start with (`prefix`), when there are several texts sharing at least two words, such as
 * "a chest x-ray showing " of a class-name template.
 */
export function columnLabels(v: Variant): { prefix: string; labels: string[] } {
  const texts = (v.columns ?? []).map((c) => c.text);
  const prefix = commonWordPrefix(texts);
  return { prefix, labels: texts.map((t) => t.slice(prefix.length)) };
}

function commonWordPrefix(texts: string[]): string {
  if (texts.length < 2) return '';
  let prefix = texts[0];
  for (const t of texts) while (!t.startsWith(prefix)) prefix = prefix.slice(0, -1);
  prefix = prefix.slice(0, prefix.lastIndexOf(' ') + 1);
  const rest = texts.every((t) => t.length > prefix.length);
  return rest && prefix.trim().split(/\s+/).length >= 2 ? prefix : '';
}
