// "What changed" between two runs of one score cell: per variant and headline metric the
// difference (with a paired bootstrap CI when both runs scored the same images), the descriptors
// and options that changed, and the images whose prediction flipped with the descriptor that
// moved each one most.
import { pairedBootstrap, type WeightedStatistic } from '../metrics/bootstrap';
import {
  accuracyFromConfusion,
  balancedAccuracyFromConfusion,
  classIndices,
  macroF1FromConfusion,
  prepareAuroc,
  weightedAuroc,
  weightedConfusion,
} from '../metrics/classification';
import {
  HEADLINE_METRICS,
  type DescriptorChange,
  type FlippedImage,
  type HeadlineMetric,
  type MetricChange,
  type OptionChange,
  type RunSummary,
  type ScoreChanges,
  type VariantChanges,
} from '../protocol/changes';
import { singleClass } from '../protocol/classes';
import type { ClassificationMetrics, ScoreResult, VariantResult } from '../protocol/results';

/** A score result as kept between runs (no thumbnails, no changes or history of its own). */
export type StoredScore = Omit<ScoreResult, 'thumbnails' | 'changes' | 'history'>;

export const CHANGES_CI_METHOD =
  'paired percentile bootstrap over the images (1,000 resamples, seeded with the cell seed), 95 %';

export function headline(metrics: ClassificationMetrics, metric: HeadlineMetric): number | null {
  if (metric === 'meanAuroc') {
    if (metrics.meanAuroc !== undefined) return metrics.meanAuroc;
    const defined = Object.values(metrics.auroc).filter((v): v is number => v !== null);
    return defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null;
  }
  return metrics[metric];
}

export function summarizeRun(r: StoredScore): RunSummary {
  return {
    startedAt: r.run.startedAt,
    method: r.method,
    imageSetHash: r.run.imageSetHash,
    images: r.variants[0]?.predictions.length ?? 0,
    descriptorSetHashes: r.run.descriptorSetHashes,
    metrics: Object.fromEntries(
      r.variants.map((v) => [v.name, Object.fromEntries(HEADLINE_METRICS.map((m) => [m, headline(v.metrics, m)]))]),
    ),
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

export function compareRuns(previous: StoredScore, current: StoredScore, seed = 0): ScoreChanges {
  const ids = (r: StoredScore) => (r.variants[0]?.predictions ?? []).map((p) => p.image);
  const sameImages =
    previous.run.imageSetHash === current.run.imageSetHash &&
    JSON.stringify(ids(previous)) === JSON.stringify(ids(current)) &&
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
    ciMethod: CHANGES_CI_METHOD,
  };
}

function metricChanges(
  before: VariantResult,
  now: VariantResult,
  current: StoredScore,
  paired: boolean,
  seed: number,
): MetricChange[] {
  const stats = paired ? pairedStatistics(before, now, current.classes) : undefined;
  return HEADLINE_METRICS.flatMap((metric): MetricChange[] => {
    const previous = headline(before.metrics, metric);
    const value = headline(now.metrics, metric);
    if (previous === null && value === null) return [];
    const difference = previous !== null && value !== null ? value - previous : null;
    const change: MetricChange = { metric, previous, current: value, difference };
    if (stats && difference !== null) {
      const d = pairedBootstrap(before.predictions.length, stats[metric][0], stats[metric][1], { seed });
      change.ci = d ? { low: d.low, high: d.high, level: d.level } : null;
    }
    return [change];
  });
}

/** Each headline metric as a weighted statistic of the previous and the current predictions. */
function pairedStatistics(
  before: VariantResult,
  now: VariantResult,
  classes: string[],
): Record<HeadlineMetric, [WeightedStatistic, WeightedStatistic]> {
  const trueIndex = classIndices(
    now.predictions.map((p) => singleClass(p.label)),
    classes,
    'label',
  );
  const of = (v: VariantResult) => {
    const predicted = classIndices(
      v.predictions.map((p) => singleClass(p.predicted)),
      classes,
      'prediction',
    );
    const confusion = (w: Uint32Array) => weightedConfusion(trueIndex, predicted, classes.length, w);
    const rankings = classes.map((c, k) =>
      prepareAuroc(
        Array.from(trueIndex, (t) => t === k),
        v.predictions.map((p) => p.scores[c]),
      ),
    );
    const meanAuroc: WeightedStatistic = (w) => {
      const values = rankings.map((r) => weightedAuroc(r, w)).filter((x): x is number => x !== null);
      return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
    };
    return {
      accuracy: ((w) => accuracyFromConfusion(confusion(w))) as WeightedStatistic,
      balancedAccuracy: ((w) => balancedAccuracyFromConfusion(confusion(w))) as WeightedStatistic,
      macroF1: ((w) => macroF1FromConfusion(confusion(w))) as WeightedStatistic,
      meanAuroc,
    };
  };
  const a = of(before);
  const b = of(now);
  return Object.fromEntries(HEADLINE_METRICS.map((m) => [m, [a[m], b[m]]])) as Record<
    HeadlineMetric,
    [WeightedStatistic, WeightedStatistic]
  >;
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
      const perClass = new Map<string, number>();
      for (const col of v.columns) perClass.set(col.class, (perClass.get(col.class) ?? 0) + 1);
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
