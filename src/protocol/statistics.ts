// The statistics a score result carries: intervals, paired tests and sanity flags.

/**
 * What produced an interval: the percentile bootstrap, or DeLong's method for AUROC (docs/methods.md,
 * "Statistics"). Absent in results saved before DeLong existed, which were all bootstrap.
 */
export type IntervalMethod = 'bootstrap' | 'delong';

/**
 * What produced an interval: an IntervalMethod, or `bootstrap-multinomial`, the percentile
 * bootstrap of a confusion-matrix metric whose resamples' cell counts were drawn from their
 * multinomial distribution rather than counted from resampled images (docs/methods.md,
 * "Statistics"; runs with DeLong AUROC intervals from 5,000 images).
 */
export type IntervalSource = IntervalMethod | 'bootstrap-multinomial';

export interface ConfidenceInterval {
  /** The metric on the full sample. */
  estimate: number;
  low: number;
  high: number;
  level: number;
  /**
   * Bootstrap: resamples on which the metric was defined (e.g. a class drawn with no positive is
   * skipped). DeLong: the images its variance was estimated from.
   */
  valid: number;
  method?: IntervalSource;
}

export interface PairedDifference {
  baseline: number;
  variant: number;
  /** variant − baseline on the full sample. */
  difference: number;
  /** CI of the difference on the same images: bootstrap percentile, or DeLong's normal interval. */
  low: number;
  high: number;
  level: number;
  /**
   * Two-sided p for "no difference". Bootstrap: twice the smaller share of resampled differences
   * on either side of zero, as (count + 1) / (valid + 1) so that it is never exactly 0. DeLong:
   * 2Φ(−|z|) with z = difference / its DeLong standard error.
   */
  p: number;
  /** As ConfidenceInterval.valid. */
  valid: number;
  method?: IntervalSource;
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
