// The orders in which a score's per-image rows are listed: the failure gallery's (worst first)
// and a confusion cell's (image order). One definition for the renderer, which orders the rows it
// holds, and the extension host, which pages through every row of a per-image file, so that the
// pages it sends continue the list the output began.
import { classDifference, classList, NO_CLASS, sameClasses } from './classes';
import type { Prediction } from './results';

/** Ascending, with undefined (NaN) margins last. */
export function byMargin(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number(Number.isNaN(a)) - Number(Number.isNaN(b));
  return a - b;
}

/** A row of a variant: its prediction, margin (NaN where undefined) and position among all images. */
export interface OrderedRow {
  prediction: Prediction;
  margin: number;
  index: number;
}

/**
 * The rows listed for `filter`: a confusion cell's images (true `label`, predicted `predicted`)
 * in image order, or without one the failures, most confidently wrong first (in a multi-label
 * set the images with the most classes wrong first).
 */
export function listRows<R extends OrderedRow>(
  rows: R[],
  filter: { label: string; predicted: string } | undefined,
  multiLabel: boolean,
): R[] {
  if (filter)
    return rows
      .filter((r) => r.prediction.label === filter.label && r.prediction.predicted === filter.predicted)
      .sort((a, b) => a.index - b.index);
  const wrong = (r: R) => (multiLabel ? classDifference(r.prediction.label, r.prediction.predicted) : 0);
  return rows
    .filter((r) => !sameClasses(r.prediction.label, r.prediction.predicted))
    .sort((a, b) => wrong(b) - wrong(a) || byMargin(a.margin, b.margin) || a.index - b.index);
}

/** Rows drawn at once and fetched per page ("Show more"); a paged output keeps each variant's first page of failures. */
export const ROWS_PAGE = 60;

/** The class a row is grouped under by class: its label, or a multi-label image's first labelled class. */
export function rowGroup(p: Prediction): string {
  return classList(p.label)[0] ?? NO_CLASS;
}

/** Every row, grouped by class (class order, then images without a class) in image order, or by margin, worst first. */
export function orderAll<R extends OrderedRow>(rows: R[], order: 'class' | 'margin', classes: string[]): R[] {
  if (order === 'margin') return [...rows].sort((a, b) => byMargin(a.margin, b.margin) || a.index - b.index);
  const rank = new Map([...classes, NO_CLASS].map((c, i) => [c, i]));
  const group = (r: R) => rank.get(rowGroup(r.prediction)) ?? rank.size;
  return [...rows].sort((a, b) => group(a) - group(b) || a.index - b.index);
}
