// "What changed" between two runs of one score cell: per variant and headline metric the
// difference (with a paired bootstrap CI when both runs scored the same images), the descriptors
// and options that changed, and the images whose prediction flipped with the descriptor that
// moved each one most.
import { pairedBootstrapMany } from '../metrics/bootstrap';
import { resampledAurocs, type ResampledAuroc } from '../metrics/aurocResamples';
import { accuracyFromConfusion, balancedAccuracyFromConfusion, macroF1FromConfusion } from '../metrics/classification';
import { pairedDelong, rememberedComponents, type AurocComponents } from '../metrics/delong';
import { tableDrawsFor } from '../metrics/resample';
import type { PairedDifference } from '../protocol/statistics';
import {
  HEADLINE_METRICS,
  type DescriptorChange,
  type HeadlineMetric,
  type MetricChange,
  type OptionChange,
  type RunSummary,
  type ScoreChanges,
  type VariantChanges,
} from '../protocol/changes';
import { flippedImages } from './flippedImages';
import {
  headlines,
  snapshotOf,
  type RunSnapshot,
  type StoredScore,
  type VariantArrays,
  type VariantSnapshot,
} from './runSnapshot';

export type { StoredScore };

/** The bootstrap's default, as the run's own intervals use it. */
const RESAMPLES = 1000;

export const CHANGES_CI_METHOD =
  'paired percentile bootstrap over the images (1,000 resamples, seeded with the cell seed), 95 %';
/** The same bootstrap where pairedIntervals draws the cell counts from their multinomial (tableDrawsFor). */
const CHANGES_CI_METHOD_MULTINOMIAL =
  "paired percentile bootstrap (1,000 resamples, seeded with the cell seed; each resample's counts of true × previous × current class drawn from their multinomial), 95 %";

export function summarizeRun(r: StoredScore): RunSummary {
  return {
    startedAt: r.run.startedAt,
    method: r.method,
    imageSetHash: r.run.imageSetHash,
    images: r.variants[0]?.predictions.length ?? 0,
    descriptorSetHashes: r.run.descriptorSetHashes,
    metrics: Object.fromEntries(r.variants.map((v) => [v.name, headlines(v.metrics)])),
  };
}

/** Two runs with the same inputs: a re-run that changes nothing adds no history entry. */
export function sameInputs(a: RunSummary, b: RunSummary): boolean {
  return (
    a.method === b.method &&
    a.imageSetHash === b.imageSetHash &&
    JSON.stringify(a.descriptorSetHashes) === JSON.stringify(b.descriptorSetHashes)
  );
}

/** Two results compared (each read once into its snapshot). */
export function compareRuns(previous: StoredScore, current: StoredScore, seed = 0): ScoreChanges {
  return compareSnapshots(snapshotOf(previous), snapshotOf(current), seed);
}

/** The previous run against the current one, whose snapshot carries its image ids. */
export function compareSnapshots(previous: RunSnapshot, current: RunSnapshot, seed = 0): ScoreChanges {
  const sameImages =
    previous.imageSetHash === current.imageSetHash &&
    previous.imageCount === current.imageCount &&
    previous.idsHash === current.idsHash &&
    JSON.stringify(previous.classes) === JSON.stringify(current.classes);
  const paired = sameImages && !current.multiLabel;
  const names = [...new Set([...current.variants.map((v) => v.name), ...previous.variants.map((v) => v.name)])];
  const variants = names.map((name): VariantChanges => {
    const before = previous.variants.find((v) => v.name === name);
    const now = current.variants.find((v) => v.name === name);
    if (!before || !now) {
      return { variant: name, status: before ? 'removed' : 'added', metrics: [], descriptors: [], flipped: [] };
    }
    // Both single-label with their per-image arrays whenever `paired` (same classes and images).
    const arrays = paired && previous.labels && current.labels && before.perImage && now.perImage;
    return {
      variant: name,
      status: 'both',
      metrics: metricChanges(before, now, arrays ? current : undefined, seed),
      descriptors: descriptorChanges(before, now),
      flipped: arrays ? flippedImages(previous, before, current, now) : [],
    };
  });
  return {
    previousRun: previous.startedAt,
    sameImages,
    options: optionChanges(previous, current),
    variants,
    ciMethod:
      current.aurocIntervals === 'delong'
        ? `${tableDrawsFor('delong', current.imageCount) === 'multinomial' ? CHANGES_CI_METHOD_MULTINOMIAL : CHANGES_CI_METHOD}; mean AUROC by DeLong's paired test`
        : CHANGES_CI_METHOD,
  };
}

/** `paired`: the current run, when both runs scored the same images (single-label): with CIs. */
function metricChanges(
  before: VariantSnapshot,
  now: VariantSnapshot,
  paired: RunSnapshot | undefined,
  seed: number,
): MetricChange[] {
  const cis = paired ? pairedIntervals(before, now, paired, seed) : undefined;
  return HEADLINE_METRICS.flatMap((metric): MetricChange[] => {
    const previous = before.headline[metric];
    const value = now.headline[metric];
    if (previous === null && value === null) return [];
    const difference = previous !== null && value !== null ? value - previous : null;
    const change: MetricChange = { metric, previous, current: value, difference };
    if (cis && difference !== null) {
      const d = cis[metric];
      change.ci = d ? { low: d.low, high: d.high, level: d.level } : null;
    }
    return [change];
  });
}

/**
 * The paired interval of each headline metric's difference. The confusion-matrix metrics (and
 * mean AUROC under the bootstrap) share one set of resamples: each interval is the one a
 * bootstrap of that metric alone would give, since the draws depend only on the seed and the
 * number of images. Where the run's AUROC intervals are DeLong's (`intervals:`, auto from
 * DELONG_FROM_IMAGES images), so is the mean AUROC difference's: a bootstrap pass over every
 * image per resample, class and run is what DeLong replaces at that size.
 */
function pairedIntervals(
  before: VariantSnapshot,
  now: VariantSnapshot,
  current: RunSnapshot,
  seed: number,
): Record<HeadlineMetric, PairedDifference | null> {
  const classes = current.classes;
  const k = classes.length;
  const n = current.imageCount;
  const trueIndex = current.labels!;
  const was = before.perImage!.predicted;
  const is = now.perImage!.predicted;
  // Each image's cell of the true × previous × current prediction table: one count per draw
  // serves both runs' confusion matrices.
  const cell = new Uint32Array(n);
  for (let i = 0; i < n; i++) cell[i] = (trueIndex[i] * k + was[i]) * k + is[i];
  const positives = classes.map(() => new Array<boolean>(n).fill(false));
  for (let i = 0; i < n; i++) positives[trueIndex[i]][i] = true;
  const columns = (v: VariantSnapshot) => classes.map((_, c) => v.perImage!.scores.subarray(c * n, (c + 1) * n));
  const delong = current.aurocIntervals === 'delong';
  // Both runs' AUROCs per resample, as their own intervals drew them (aurocResamples.ts).
  const resampled = delong
    ? undefined
    : [before, now].map((v) =>
        resampledAurocs(
          columns(v).map((scores, c) => ({ positive: positives[c], scores })),
          seed,
          RESAMPLES,
        ),
      );
  const meanAuroc = (run: ResampledAuroc[], b: number) => {
    const values = run
      .map((r) => (b < 0 ? r.estimate : Number.isNaN(r.draws[b]) ? null : r.draws[b]))
      .filter((x): x is number => x !== null);
    return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
  };
  const [accuracy, balancedAccuracy, macroF1, bootstrapMean] = pairedBootstrapMany(
    trueIndex.length,
    (counts, resample) => {
      const a = confusionOf(counts, k, 'previous');
      const b = confusionOf(counts, k, 'current');
      const pairs: [number | null, number | null][] = [
        [accuracyFromConfusion(a), accuracyFromConfusion(b)],
        [balancedAccuracyFromConfusion(a), balancedAccuracyFromConfusion(b)],
        [macroF1FromConfusion(a), macroF1FromConfusion(b)],
      ];
      if (resampled) pairs.push([meanAuroc(resampled[0], resample), meanAuroc(resampled[1], resample)]);
      return pairs;
    },
    { seed, resamples: RESAMPLES, tableDraws: tableDrawsFor(current.aurocIntervals, n) },
    { of: cell, count: k * k * k },
  );
  return {
    accuracy,
    balancedAccuracy,
    macroF1,
    meanAuroc: delong ? delongMeanDifference(before.perImage!, now.perImage!, trueIndex, positives) : bootstrapMean,
  };
}

/**
 * delong.ts's pairedDelongComparison(…).mean from score columns: DeLong's paired test of the
 * mean AUROC over the classes defined in both runs (the positives are shared, so a class is
 * defined in both or in neither).
 */
function delongMeanDifference(
  before: VariantArrays,
  now: VariantArrays,
  labels: Uint32Array,
  positives: readonly boolean[][],
): PairedDifference | null {
  const a = delongComponents(before, labels, positives);
  const b = delongComponents(now, labels, positives);
  const pairs = positives.flatMap((_, c): [AurocComponents, AurocComponents][] => (a[c] && b[c] ? [[a[c], b[c]]] : []));
  return pairedDelong(pairs, 0.95);
}

/**
 * A run's DeLong components per class. The current run's columns were ranked by its own
 * intervals, and the previous run's by the run before: both come from the remembered
 * components (metrics/delong.ts), so an edit ranks no column twice.
 */
function delongComponents(
  v: VariantArrays,
  labels: Uint32Array,
  positives: readonly boolean[][],
): (AurocComponents | null)[] {
  const n = labels.length;
  return positives.map((positive, c) => rememberedComponents(positive, v.scores.subarray(c * n, (c + 1) * n)));
}

/** One run's confusion matrix (true × predicted) from the true × previous × current counts. */
function confusionOf(joint: Uint32Array, k: number, run: 'previous' | 'current'): number[][] {
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let t = 0; t < k; t++)
    for (let a = 0; a < k; a++)
      for (let b = 0; b < k; b++) confusion[t][run === 'previous' ? a : b] += joint[(t * k + a) * k + b];
  return confusion;
}

function descriptorChanges(before: VariantSnapshot, now: VariantSnapshot): DescriptorChange[] {
  const classes = [...new Set([...Object.keys(now.descriptors), ...Object.keys(before.descriptors)])];
  return classes.flatMap((c) => {
    const was = before.descriptors[c] ?? [];
    const is = now.descriptors[c] ?? [];
    const added = is.filter((d) => !was.includes(d));
    const removed = was.filter((d) => !is.includes(d));
    return added.length || removed.length ? [{ class: c, added, removed }] : [];
  });
}

function optionChanges(previous: RunSnapshot, current: RunSnapshot): OptionChange[] {
  const controls = (r: RunSnapshot) =>
    r.variants
      .filter((v) => v.control)
      .map((v) => v.control)
      .join(', ') || '(none)';
  const options: [string, string, string][] = [
    ['method', previous.method, current.method],
    [
      'images',
      `${previous.images} (${previous.imageSetHash.slice(0, 12)})`,
      `${current.images} (${current.imageSetHash.slice(0, 12)})`,
    ],
    [
      'model',
      `${previous.model} (${previous.modelFingerprint.slice(0, 12)})`,
      `${current.model} (${current.modelFingerprint.slice(0, 12)})`,
    ],
    ['seed', String(previous.seed), String(current.seed)],
    ['controls', controls(previous), controls(current)],
    [
      'descriptors',
      previous.variants
        .filter((v) => !v.control)
        .map((v) => v.name)
        .join(', '),
      current.variants
        .filter((v) => !v.control)
        .map((v) => v.name)
        .join(', '),
    ],
  ];
  return options.filter(([, a, b]) => a !== b).map(([option, a, b]) => ({ option, previous: a, current: b }));
}
