// "What changed" since the previous run of a score cell, and the cell's run history. Part of the
// score result (results.json, the output, the report).
/** The headline metrics compared between runs. */
export const HEADLINE_METRICS = ['accuracy', 'balancedAccuracy', 'macroF1', 'meanAuroc'] as const;
export type HeadlineMetric = (typeof HEADLINE_METRICS)[number];

export interface MetricChange {
  metric: HeadlineMetric;
  previous: number | null;
  current: number | null;
  /** current − previous; null when either is undefined. */
  difference: number | null;
  /**
   * 95 % percentile CI of the difference from a paired bootstrap over the images (1,000 seeded
   * resamples): only when both runs scored the same images.
   */
  ci?: { low: number; high: number; level: number } | null;
}

export interface DescriptorChange {
  class: string;
  added: string[];
  removed: string[];
}

export interface FlippedImage {
  image: string;
  label: string;
  previous: string;
  current: string;
  /** true: now right (was wrong); false: now wrong; null: wrong before and after. */
  nowCorrect: boolean | null;
  /**
   * The descriptor whose similarity term moved the margin between the two predicted classes
   * most (an added or removed descriptor, or one whose text changed), and by how much.
   */
  movedBy?: { class: string; text: string; change: number; added: boolean };
}

export interface VariantChanges {
  variant: string;
  /** In both runs, only in this one, or only in the previous one. */
  status: 'both' | 'added' | 'removed';
  metrics: MetricChange[];
  descriptors: DescriptorChange[];
  flipped: FlippedImage[];
  /** How many images flipped, when `flipped` lists only the first of them (a paged output). */
  flippedTotal?: number;
}

export interface OptionChange {
  option: string;
  previous: string;
  current: string;
}

export interface ScoreChanges {
  /** startedAt of the run compared against. */
  previousRun: string;
  /** Both runs scored the same images (same image-set hash and ids): deltas get paired CIs. */
  sameImages: boolean;
  options: OptionChange[];
  variants: VariantChanges[];
  /** How the intervals were computed. */
  ciMethod: string;
}

/** One past run of a score cell, small enough to keep the last few. */
export interface RunSummary {
  startedAt: string;
  method: string;
  imageSetHash: string;
  images: number;
  descriptorSetHashes: Record<string, string>;
  /** variant → headline metric → value. */
  metrics: Record<string, Partial<Record<HeadlineMetric, number | null>>>;
}
