// Descriptor importance across a scored image set: which descriptors of a variant actually
// separate their class (docs/methods.md, "Descriptor importance"). Part of each variant of a
// score result (results.json, the output, the report).

/** The metric whose leave-one-out change is reported: balanced accuracy, or mean AUROC for multi-label sets. */
export type ImportanceMetric = 'balancedAccuracy' | 'meanAuroc';

export interface DescriptorImportanceRow {
  class: string;
  /** The raw descriptor (the class-name text for a class without descriptors). */
  descriptor: string;
  /** One-vs-rest AUROC of cos(image, this descriptor) for its class; null without positives or negatives. */
  auroc: number | null;
  /** Mean cosine over the images of its class − mean cosine over the other images; null when either is empty. */
  gap: number | null;
  /**
   * The variant's metric scored without this descriptor (same recipe) − with every descriptor:
   * negative = the descriptor helps. Null when it is its class's only text (removing it leaves the
   * class nothing to score).
   */
  leaveOneOut: number | null;
}

export interface DescriptorImportance {
  metric: ImportanceMetric;
  /** The metric with every descriptor, recomputed from unrounded scores (the base of `leaveOneOut`). */
  full: number | null;
  /** One row per similarity column, in column order. */
  descriptors: DescriptorImportanceRow[];
}

export const IMPORTANCE_METRIC_LABEL: Record<ImportanceMetric, string> = {
  balancedAccuracy: 'balanced accuracy',
  meanAuroc: 'mean AUROC',
};
