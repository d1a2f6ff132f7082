// Scores as a score result saves them, built class by class: the recipe's columns
// (scoring/classScores.ts), each class's saved form (scoring/savedColumns.ts, remembered for
// unchanged scores), then the per-image rows a result keeps, each built once.
import { classScoreColumns, type ClassScoreColumns } from './classScores';
import {
  averageScores,
  presentRows,
  scoreImages,
  scoreRows,
  type RecipeScores,
  type TextEmbeddings,
  type TextPlan,
  type Vector,
} from './recipes';
import { savedColumn } from './savedColumns';

/** The heatmap's cosines are for the eye: four decimals keep saved outputs small. */
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

/**
 * Scores as the result saves them: float32 precision, shortest decimals. Predictions, metrics,
 * intervals and comparisons are all computed from these, so they can be recomputed exactly from
 * results.json (docs/methods.md, "Exact results"). `byClass` holds the same saved scores class by
 * class (scoring/savedColumns.ts: the same arrays for unchanged scores); `similarity` is already
 * rounded for the heatmap.
 */
export interface SavedScores extends RecipeScores {
  byClass: Float64Array[];
}

/** One variant's saved scores: its plan's, or the average of a control's seeds' (averageScores). */
export function savedScores(plans: readonly TextPlan[], images: readonly Vector[], texts: TextEmbeddings): SavedScores {
  const n = images.length;
  let raw: ClassScoreColumns;
  if (plans.length === 1) raw = classScoreColumns(plans[0], images, texts, true);
  else {
    const averaged = averageScores(plans.map((plan) => scoreImages(plan, images, texts, { remember: true })));
    const byClass = plans[0].classes.map((_, c) => Float64Array.from(averaged.scores, (row) => row[c]));
    const shown = averaged.columns.map((_, k) => Float64Array.from(averaged.similarity, (row) => row[k]));
    const present = averaged.present && byClass.map((_, c) => Uint8Array.from(averaged.present!, (row) => +row[c]));
    raw = { scores: byClass, similarity: shown, columns: averaged.columns, ...(present ? { present } : {}) };
  }
  const byClass = raw.scores.map(savedColumn);
  const similarity = new Array<number[]>(n);
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(raw.similarity.length);
    for (let k = 0; k < row.length; k++) row[k] = round4(raw.similarity[k][i]);
    similarity[i] = row;
  }
  const saved: SavedScores = { scores: scoreRows(byClass, n), columns: raw.columns, similarity, byClass };
  if (raw.present) saved.present = presentRows(raw.present, n);
  return saved;
}
