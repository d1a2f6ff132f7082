// A score run as the next run of its cell compares against it ("what changed", changes.ts): the
// headline metrics, descriptors and options, and for single-label sets each variant's predicted
// classes, score columns and similarity matrix as typed arrays. Some MB at 100,000 images where
// the result's prediction objects are tens, written and read back without JSON. The numbers are
// the result's own doubles (float32-rounded decimals, four-decimal cosines), so a comparison
// against a snapshot is the comparison against the result, exactly.
import { createHash } from 'node:crypto';
import type { BinaryRecord, RecordArray } from '../cache/binaryRecord';
import type { RunCodec } from '../cache/runHistory';
import { classIndices } from '../metrics/classification';
import { HEADLINE_METRICS, type HeadlineMetric } from '../protocol/changes';
import { singleClass } from '../protocol/classes';
import type { ClassificationMetrics, ScoreResult } from '../protocol/results';
import type { IntervalMethod } from '../protocol/statistics';

/** A score result as kept between runs (no thumbnails, no changes or history of its own). */
export type StoredScore = Omit<ScoreResult, 'thumbnails' | 'changes' | 'history'>;

/** Bumped whenever the snapshot's fields or arrays change meaning: an older one is not compared. */
const SNAPSHOT_VERSION = 1;

export interface RunSnapshot {
  startedAt: string;
  method: string;
  /** The image set's name. */
  images: string;
  imageSetHash: string;
  /** sha256 of the image ids in order: two runs scored the same images when this (and the rest) match. */
  idsHash: string;
  imageCount: number;
  classes: string[];
  multiLabel: boolean;
  model: string;
  modelFingerprint: string;
  seed: number;
  aurocIntervals?: IntervalMethod;
  /** Single-label sets: each image's true class (index into `classes`). */
  labels?: Uint32Array;
  variants: VariantSnapshot[];
  /** The run's image ids, to name flipped images: only for the run being compared, never saved. */
  ids?: readonly string[];
}

export interface VariantSnapshot {
  name: string;
  control?: string;
  headline: Record<HeadlineMetric, number | null>;
  descriptors: Record<string, string[]>;
  columns: { class: string; text: string }[];
  /** Single-label sets only. */
  perImage?: VariantArrays;
}

export interface VariantArrays {
  /** Each image's predicted class (index into `classes`). */
  predicted: Uint32Array;
  /** Class-major: scores[c · images + i] = image i's score for class c (a class's column is contiguous). */
  scores: Float64Array;
  /** Image-major: similarity[i · columns + k] = image i's cosine with column k. */
  similarity: Float64Array;
}

/** A headline metric's value; mean AUROC of a single-label run is the mean of its defined AUROCs. */
function headline(metrics: ClassificationMetrics, metric: HeadlineMetric): number | null {
  if (metric === 'meanAuroc') {
    if (metrics.meanAuroc !== undefined) return metrics.meanAuroc;
    const defined = Object.values(metrics.auroc).filter((v): v is number => v !== null);
    return defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null;
  }
  return metrics[metric];
}

/** Every headline metric's value (HEADLINE_METRICS), as the run history and its snapshot keep them. */
export function headlines(metrics: ClassificationMetrics): Record<HeadlineMetric, number | null> {
  return Object.fromEntries(HEADLINE_METRICS.map((m) => [m, headline(metrics, m)])) as Record<
    HeadlineMetric,
    number | null
  >;
}

/** The snapshot of a result: one pass over its predictions and similarity rows per variant. */
export function snapshotOf(r: StoredScore): RunSnapshot {
  const predictions = r.variants[0]?.predictions ?? [];
  const ids = predictions.map((p) => p.image);
  const n = ids.length;
  const single = !r.multiLabel;
  return {
    startedAt: r.run.startedAt,
    method: r.method,
    images: r.images,
    imageSetHash: r.run.imageSetHash,
    idsHash: createHash('sha256')
      .update(`${n}\u0000${ids.join('\u0000')}`)
      .digest('hex'),
    imageCount: n,
    classes: r.classes,
    multiLabel: !single,
    model: r.run.model,
    modelFingerprint: r.run.modelFingerprint,
    seed: r.run.seed ?? 0,
    ...(r.run.aurocIntervals ? { aurocIntervals: r.run.aurocIntervals } : {}),
    ...(single
      ? {
          labels: classIndices(
            predictions.map((p) => singleClass(p.label)),
            r.classes,
            'label',
          ),
        }
      : {}),
    variants: r.variants.map((v) => ({
      name: v.name,
      ...(v.control ? { control: v.control } : {}),
      headline: headlines(v.metrics),
      descriptors: v.descriptors,
      columns: v.columns,
      ...(single ? { perImage: variantArrays(v, r.classes, n) } : {}),
    })),
    ids,
  };
}

function variantArrays(v: StoredScore['variants'][number], classes: string[], n: number): VariantArrays {
  const k = classes.length;
  const d = v.columns.length;
  const predicted = classIndices(
    v.predictions.map((p) => singleClass(p.predicted)),
    classes,
    'prediction',
  );
  const scores = new Float64Array(k * n);
  const similarity = new Float64Array(d * n).fill(NaN);
  for (let i = 0; i < n; i++) {
    const p = v.predictions[i].scores;
    for (let c = 0; c < k; c++) scores[c * n + i] = p[classes[c]];
    const row = v.similarity[i];
    if (row) for (let j = 0; j < d; j++) similarity[i * d + j] = row[j];
  }
  return { predicted, scores, similarity };
}

type SnapshotMeta = Omit<RunSnapshot, 'labels' | 'variants' | 'ids'> & {
  version: number;
  variants: (Omit<VariantSnapshot, 'perImage'> & { perImage: boolean })[];
  labels: boolean;
};

/** Written as a binary record: the fields as JSON, the arrays as they are; the ids are not kept. */
export const snapshotCodec: RunCodec<RunSnapshot> = {
  encode(s: RunSnapshot): BinaryRecord<SnapshotMeta> {
    const { labels, variants, ids: _ids, ...fields } = s;
    void _ids;
    const arrays: Record<string, RecordArray> = labels ? { labels } : {};
    variants.forEach((v, i) => {
      if (!v.perImage) return;
      arrays[`${i}.predicted`] = v.perImage.predicted;
      arrays[`${i}.scores`] = v.perImage.scores;
      arrays[`${i}.similarity`] = v.perImage.similarity;
    });
    const meta: SnapshotMeta = {
      version: SNAPSHOT_VERSION,
      ...fields,
      labels: labels !== undefined,
      variants: variants.map(({ perImage, ...rest }) => ({ ...rest, perImage: perImage !== undefined })),
    };
    return { meta, arrays };
  },

  decode(record: BinaryRecord<unknown>): RunSnapshot | undefined {
    const { version, labels: hasLabels, variants, ...fields } = record.meta as SnapshotMeta;
    if (version !== SNAPSHOT_VERSION || !Array.isArray(variants)) return undefined;
    const n = fields.imageCount;
    const k = fields.classes.length;
    const u32 = (name: string, length: number) => {
      const a = record.arrays[name];
      if (!(a instanceof Uint32Array) || a.length !== length || a.some((x) => x >= k)) throw new Error(name);
      return a;
    };
    const f64 = (name: string, length: number) => {
      const a = record.arrays[name];
      if (!(a instanceof Float64Array) || a.length !== length) throw new Error(name);
      return a;
    };
    return {
      ...fields,
      ...(hasLabels ? { labels: u32('labels', n) } : {}),
      variants: variants.map(({ perImage, ...v }, i) => ({
        ...v,
        ...(perImage
          ? {
              perImage: {
                predicted: u32(`${i}.predicted`, n),
                scores: f64(`${i}.scores`, k * n),
                similarity: f64(`${i}.similarity`, v.columns.length * n),
              },
            }
          : {}),
      })),
    };
  },
};
