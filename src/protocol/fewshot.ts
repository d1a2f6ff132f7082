// The result of a fewshot cell: its `result` in results.json and the data of its output MIME.
// Keep field names stable: results.json is a public format.

export const FEWSHOT_METHODS = ['linear-probe', 'descriptor-weights', 'zero-shot-init'] as const;
export type FewshotMethod = (typeof FEWSHOT_METHODS)[number];

/** The test-set metrics of one fit. */
export interface FewshotMetrics {
  accuracy: number;
  balancedAccuracy: number;
  /** Mean of the one-vs-rest AUROCs that are defined. */
  macroAuroc: number | null;
}

/** One metric over the repeats of one (method, shots) point. */
export interface RepeatSummary {
  mean: number;
  /** Sample standard deviation over the repeats (0 with one repeat). */
  sd: number;
  /** The 2.5 % and 97.5 % quantiles of the repeats (linear interpolation): the curve's band. */
  low: number;
  high: number;
  values: number[];
}

export interface FewshotPoint {
  method: FewshotMethod;
  /** As written: "4" (per class) or "10%" (of the training pool, per class). */
  shots: string;
  /** Training images per class of this setting, in class order. */
  perClass: number[];
  accuracy: RepeatSummary;
  balancedAccuracy: RepeatSummary;
  macroAuroc: RepeatSummary | null;
  /** Fits (of `repeats`) where L-BFGS met its tolerance. */
  converged: number;
}

export interface FewshotResult {
  name: string;
  images: string;
  /** The test image set, or null when `images` was split. */
  test: string | null;
  /** How the images were used: the training pool shots are drawn from, and the test images. */
  split: { method: string; pool: number; test: number };
  model: string;
  descriptors: string;
  classes: string[];
  methods: FewshotMethod[];
  repeats: number;
  C: number;
  /** zero-shot-init's C (its pull towards the zero-shot classifier). */
  cInit: number;
  /** The curve draws this metric. */
  metric: 'accuracy' | 'balancedAccuracy' | 'macroAuroc';
  points: FewshotPoint[];
  /** The descriptors' `mean` recipe on the same test images: the line the curve should beat. */
  zeroShot: FewshotMetrics;
  /**
   * descriptor-weights at the largest setting, averaged over repeats: weights[c][k] is the
   * weight of descriptor k (of any class) in class c's logit, in units of the standardised
   * similarity. Positive: the data says this symptom argues for the class.
   */
  descriptorWeights: { shots: string; descriptors: { class: string; text: string }[]; weights: number[][] } | null;
  run: {
    modelFingerprint: string;
    provider: string;
    imageSetHashes: Record<string, string>;
    descriptorSetHash: string;
    seed: number;
    solver: string;
    encoded: { images: number; texts: number };
    startedAt: string;
    durationMs: number;
  };
}
