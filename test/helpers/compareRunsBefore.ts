// The "what changed" comparison as it was before runs were kept as typed-array snapshots
// (src/scoring/runSnapshot.ts): it walked the results' prediction objects. Kept verbatim as the
// reference the snapshot path must match exactly (run-snapshot.test.ts).
import { pairedBootstrapMany } from '../../src/metrics/bootstrap';
import { resampledAurocs, type ResampledAuroc } from '../../src/metrics/aurocResamples';
import {
  accuracyFromConfusion,
  balancedAccuracyFromConfusion,
  classIndices,
  macroF1FromConfusion,
} from '../../src/metrics/classification';
import { pairedDelongComparison } from '../../src/metrics/delong';
import type { PairedDifference } from '../../src/protocol/statistics';
import {
  HEADLINE_METRICS,
  type DescriptorChange,
  type FlippedImage,
  type HeadlineMetric,
  type MetricChange,
  type OptionChange,
  type ScoreChanges,
  type VariantChanges,
} from '../../src/protocol/changes';
import { singleClass } from '../../src/protocol/classes';
import type { ClassificationMetrics, ScoreResult, VariantResult } from '../../src/protocol/results';

type StoredScore = Omit<ScoreResult, 'thumbnails' | 'changes' | 'history'>;

/** The bootstrap's default, as the run's own intervals use it. */
const RESAMPLES = 1000;

const CHANGES_CI_METHOD =
  'paired percentile bootstrap over the images (1,000 resamples, seeded with the cell seed), 95 %';

function headline(metrics: ClassificationMetrics, metric: HeadlineMetric): number | null {
  if (metric === 'meanAuroc') {
    if (metrics.meanAuroc !== undefined) return metrics.meanAuroc;
    const defined = Object.values(metrics.auroc).filter((v): v is number => v !== null);
    return defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null;
  }
  return metrics[metric];
}

export function compareRunsBefore(previous: StoredScore, current: StoredScore, seed = 0): ScoreChanges {
  const ids = (r: StoredScore) => (r.variants[0]?.predictions ?? []).map((p) => p.image);
  const [was, is] = [ids(previous), ids(current)];
  const sameImages =
    previous.run.imageSetHash === current.run.imageSetHash &&
    was.length === is.length &&
    was.every((id, i) => id === is[i]) &&
    JSON.stringify(previous.classes) === JSON.stringify(current.classes);
  const names = [...new Set([...current.variants.map((v) => v.name), ...previous.variants.map((v) => v.name)])];
  const variants = names.map((name): VariantChanges => {
    const before = previous.variants.find((v) => v.name === name);
    const now = current.variants.find((v) => v.name === name);
    if (!before || !now) {
      return { variant: name, status: before ? 'removed' : 'added', metrics: [], descriptors: [], flipped: [] };
    }
    return {
      variant: name,
      status: 'both',
      metrics: metricChanges(before, now, current, sameImages && !current.multiLabel, seed),
      descriptors: descriptorChanges(before, now),
      flipped: sameImages && !current.multiLabel ? flippedImages(before, now) : [],
    };
  });
  return {
    previousRun: previous.run.startedAt,
    sameImages,
    options: optionChanges(previous, current),
    variants,
    ciMethod:
      current.run.aurocIntervals === 'delong'
        ? `${CHANGES_CI_METHOD}; mean AUROC by DeLong's paired test`
        : CHANGES_CI_METHOD,
  };
}

function metricChanges(
  before: VariantResult,
  now: VariantResult,
  current: StoredScore,
  paired: boolean,
  seed: number,
): MetricChange[] {
  const cis = paired ? pairedIntervals(before, now, current, seed) : undefined;
  return HEADLINE_METRICS.flatMap((metric): MetricChange[] => {
    const previous = headline(before.metrics, metric);
    const value = headline(now.metrics, metric);
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
  before: VariantResult,
  now: VariantResult,
  current: StoredScore,
  seed: number,
): Record<HeadlineMetric, PairedDifference | null> {
  const classes = current.classes;
  const k = classes.length;
  const trueIndex = classIndices(
    now.predictions.map((p) => singleClass(p.label)),
    classes,
    'label',
  );
  const predictedIndex = (v: VariantResult) =>
    classIndices(
      v.predictions.map((p) => singleClass(p.predicted)),
      classes,
      'prediction',
    );
  const was = predictedIndex(before);
  const is = predictedIndex(now);
  // Each image's cell of the true × previous × current prediction table: one count per draw
  // serves both runs' confusion matrices.
  const cell = new Uint32Array(trueIndex.length);
  for (let i = 0; i < cell.length; i++) cell[i] = (trueIndex[i] * k + was[i]) * k + is[i];
  const positives = classes.map((_, c) => Array.from(trueIndex, (t) => t === c));
  const columns = (v: VariantResult) => classes.map((c) => v.predictions.map((p) => p.scores[c]));
  const delong = current.run.aurocIntervals === 'delong';
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
    { seed, resamples: RESAMPLES },
    { of: cell, count: k * k * k },
  );
  const rows = (v: VariantResult) => v.predictions.map((p) => classes.map((c) => p.scores[c]));
  return {
    accuracy,
    balancedAccuracy,
    macroF1,
    meanAuroc: delong ? pairedDelongComparison(positives, rows(before), rows(now), classes, 0.95).mean : bootstrapMean,
  };
}

/** One run's confusion matrix (true × predicted) from the true × previous × current counts. */
function confusionOf(joint: Uint32Array, k: number, run: 'previous' | 'current'): number[][] {
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let t = 0; t < k; t++)
    for (let a = 0; a < k; a++)
      for (let b = 0; b < k; b++) confusion[t][run === 'previous' ? a : b] += joint[(t * k + a) * k + b];
  return confusion;
}

function descriptorChanges(before: VariantResult, now: VariantResult): DescriptorChange[] {
  const classes = [...new Set([...Object.keys(now.descriptors), ...Object.keys(before.descriptors)])];
  return classes.flatMap((c) => {
    const was = before.descriptors[c] ?? [];
    const is = now.descriptors[c] ?? [];
    const added = is.filter((d) => !was.includes(d));
    const removed = was.filter((d) => !is.includes(d));
    return added.length || removed.length ? [{ class: c, added, removed }] : [];
  });
}

function optionChanges(previous: StoredScore, current: StoredScore): OptionChange[] {
  const controls = (r: StoredScore) =>
    r.variants
      .filter((v) => v.control)
      .map((v) => v.control)
      .join(', ') || '(none)';
  const options: [string, string, string][] = [
    ['method', previous.method, current.method],
    [
      'images',
      `${previous.images} (${previous.run.imageSetHash.slice(0, 12)})`,
      `${current.images} (${current.run.imageSetHash.slice(0, 12)})`,
    ],
    [
      'model',
      `${previous.run.model} (${previous.run.modelFingerprint.slice(0, 12)})`,
      `${current.run.model} (${current.run.modelFingerprint.slice(0, 12)})`,
    ],
    ['seed', String(previous.run.seed ?? 0), String(current.run.seed ?? 0)],
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

/**
 * Images whose predicted class changed. The descriptor that moved one most: with each class's
 * score the mean of its descriptor similarities, a descriptor's term is sim / (descriptors of its
 * class); its push toward the new prediction is +term for the new class and −term for the old
 * one. Summed over the current columns minus the previous ones, by descriptor text, the largest
 * push is the descriptor that moved it most (unchanged descriptors cancel).
 */
function flippedImages(before: VariantResult, now: VariantResult): FlippedImage[] {
  const descriptorsOf = (v: VariantResult) => {
    const perClass = new Map<string, number>();
    for (const col of v.columns) perClass.set(col.class, (perClass.get(col.class) ?? 0) + 1);
    return perClass;
  };
  const counts = new Map([
    [now, descriptorsOf(now)],
    [before, descriptorsOf(before)],
  ]);
  return now.predictions.flatMap((p, i): FlippedImage[] => {
    const was = before.predictions[i];
    // Single-label sets only (compareRuns): one class each.
    const label = singleClass(p.label);
    const current = singleClass(p.predicted);
    const previous = was && singleClass(was.predicted);
    if (!was || previous === current) return [];
    const nowCorrect = current === label ? true : previous === singleClass(was.label) ? false : null;
    const push = new Map<string, { class: string; text: string; change: number; added: boolean }>();
    const add = (v: VariantResult, row: number[] | undefined, sign: 1 | -1) => {
      if (!row) return;
      const perClass = counts.get(v)!;
      v.columns.forEach((col, k) => {
        const toward = col.class === current ? 1 : col.class === previous ? -1 : 0;
        if (toward === 0) return;
        const key = `${col.class}\u0000${col.text}`;
        const entry = push.get(key) ?? { class: col.class, text: col.text, change: 0, added: sign === 1 };
        entry.change += (sign * toward * row[k]) / perClass.get(col.class)!;
        if (sign === -1 && push.has(key)) entry.added = false;
        push.set(key, entry);
      });
    };
    add(now, now.similarity[i], 1);
    add(before, before.similarity[i], -1);
    const moved = [...push.values()].sort((a, b) => b.change - a.change)[0];
    const round = (x: number) => Math.round(x * 1e4) / 1e4;
    return [
      {
        image: p.image,
        label,
        previous,
        current,
        nowCorrect,
        ...(moved && moved.change > 0 ? { movedBy: { ...moved, change: round(moved.change) } } : {}),
      },
    ];
  });
}
