// The statistics a score result carries: intervals, paired tests and sanity flags.

export interface ConfidenceInterval {
  /** The metric on the full sample. */
  estimate: number;
  low: number;
  high: number;
  level: number;
  /** Resamples on which the metric was defined (e.g. a class drawn with no positive is skipped). */
  valid: number;
}

export interface PairedDifference {
  baseline: number;
  variant: number;
  /** variant − baseline on the full sample. */
  difference: number;
  /** Percentile CI of the difference over paired resamples (the same images for both). */
  low: number;
  high: number;
  level: number;
  /**
   * Two-sided bootstrap p for "no difference": twice the smaller share of resampled differences
   * on either side of zero, as (count + 1) / (valid + 1) so that it is never exactly 0.
   */
  p: number;
  valid: number;
}

export interface McNemarResult {
  /** Images the baseline got right and the variant wrong. */
  baselineOnly: number;
  /** Images the variant got right and the baseline wrong. */
  variantOnly: number;
  /** Exact two-sided p: 2 · P(X ≤ min(b, c)) for X ~ Binomial(b + c, 1/2), capped at 1; 1 with no discordant image. */
  p: number;
}

/** What a sanity flag is about; the score output groups its flags by this. */
export type SanityFlagKind =
  | 'no-descriptors'
  | 'repeats-class-name'
  | 'it-is'
  | 'unknown-class'
  | 'few-images'
  | 'below-chance'
  | 'cache'
  | 'embeddings';

export interface SanityFlag {
  /** `warning`: the result is likely misleading; `info`: worth knowing, not necessarily wrong. */
  severity: 'warning' | 'info';
  /** Absent in outputs saved before flags were grouped. */
  kind?: SanityFlagKind;
  message: string;
  class?: string;
  variant?: string;
}
