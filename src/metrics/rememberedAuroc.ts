// Statistics of a score column remembered between runs. A one-descriptor edit changes one cosine
// column and one class's scores; the other columns are the very arrays of the previous run (the
// cosine memory of scoring/cosines.ts, the saved-score memory of scoring/savedColumns.ts), and
// their one-vs-rest AUROC needs a sort of every image. A statistic is remembered by the column's
// array object and the exact positives it was computed for: the arrays it is kept for are never
// written once filled, so the same object holds the same numbers and the remembered value is the
// one a new computation would give. A column that is rewritten (a scratch buffer) must not be
// passed here.
import { sameBytes } from '../common/sameBytes';
import { auroc } from './classification';

interface Remembered {
  positive: Uint8Array;
  auroc?: number | null;
  gap?: number | null;
}

/** The positives a column was last used with; few per column (one per class it was ranked for). */
const KEPT_PER_COLUMN = 4;
const byColumn = new WeakMap<Float64Array, Remembered[]>();

/** auroc(positive, column), remembered for this column object and these positives. */
export function rememberedAuroc(positive: Uint8Array, column: Float64Array): number | null {
  const entry = entryOf(positive, column);
  if (entry.auroc === undefined) entry.auroc = auroc(positive, column);
  return entry.auroc;
}

/** compute(), remembered as the column's mean gap for these positives (scoring/importance.ts). */
export function rememberedGap(positive: Uint8Array, column: Float64Array, compute: () => number | null): number | null {
  const entry = entryOf(positive, column);
  if (entry.gap === undefined) entry.gap = compute();
  return entry.gap;
}

function entryOf(positive: Uint8Array, column: Float64Array): Remembered {
  if (positive.length !== column.length) {
    throw new Error(`auroc: ${positive.length} labels but ${column.length} scores`);
  }
  let entries = byColumn.get(column);
  if (!entries) byColumn.set(column, (entries = []));
  let entry = entries.find((e) => sameBytes(e.positive, positive));
  if (!entry) {
    // A copy: the caller's mask may be reused for other positives.
    entry = { positive: positive.slice() };
    entries.push(entry);
    if (entries.length > KEPT_PER_COLUMN) entries.shift();
  }
  return entry;
}
