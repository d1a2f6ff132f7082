// The results of every step: the `result` of each cell in results.json and the data of its output
// MIME. Keep field names stable: results.json is a public format.
import type { DicomSummary, ImportedEmbeddings } from './dataset';
import type { ConfidenceInterval, IntervalMethod, McNemarResult, PairedDifference, SanityFlag } from './statistics';
import type { RunSummary, ScoreChanges } from './changes';
import type { DescriptorImportance } from './importance';

export interface ClassificationMetrics {
  /** Null for multi-label sets, where each class is its own yes/no question. */
  accuracy: number | null;
  balancedAccuracy: number | null;
  macroF1: number | null;
  /** One-vs-rest AUROC per class; null where a class has no positives or no negatives. */
  auroc: Record<string, number | null>;
  /** confusion[i][j] = images of true class i predicted as class j (class order of the run); empty for multi-label sets. */
  confusion: number[][];
  /** Multi-label sets: mean of the defined per-class AUROCs. */
  meanAuroc?: number | null;
  /** 95 % CIs of the metrics above: bootstrap (1,000 seeded resamples), or DeLong for AUROC (see each `method`). */
  ci?: {
    accuracy?: ConfidenceInterval | null;
    balancedAccuracy?: ConfidenceInterval | null;
    macroF1?: ConfidenceInterval | null;
    auroc: Record<string, ConfidenceInterval | null>;
    meanAuroc?: ConfidenceInterval | null;
  };
}

/** A variant against the score cell's first variant, on the same images. */
export interface PairedComparison {
  against: string;
  /** Exact McNemar test on per-image correctness (single-label sets). */
  mcnemar?: McNemarResult;
  /** Paired bootstrap of the AUROC difference (this variant − the first), per class and mean. */
  auroc: { perClass: Record<string, PairedDifference | null>; mean: PairedDifference | null };
}

/**
 * A single-label image's class, or a multi-label image's classes in the score's class order
 * (an empty list when it has none). protocol/classes.ts reads and shows both.
 */
export type Classes = string | string[];

export interface Prediction {
  image: string;
  label: Classes;
  predicted: Classes;
  scores: Record<string, number>;
}

export interface VariantResult {
  name: string;
  /** Set for control variants (class-names, random-words, shuffled). */
  control?: string;
  /** Every variant after the first: the paired comparison against the first. */
  comparison?: PairedComparison;
  metrics: ClassificationMetrics;
  predictions: Prediction[];
  /** Descriptors per class as scored (raw text, not templated). */
  descriptors: Record<string, string[]>;
  /**
   * sim[i][k] = cosine of image i with descriptor k, where descriptors are listed class by class
   * in `descriptors` order (a class with no descriptors contributes its class-name text).
   */
  similarity: number[][];
  /** Column labels of `similarity`: {class, text} per column. */
  columns: { class: string; text: string }[];
  /** Per descriptor: AUROC alone, mean cosine gap, leave-one-out change (absent for controls and older results). */
  importance?: DescriptorImportance;
}

/** An execution provider that `device: auto` did not use, and why. */
export interface SkippedProvider {
  provider: string;
  reason: string;
}

export interface RunRecord {
  modelFingerprint: string;
  model: string;
  /** Where the model came from: its folder as written, or ORG/NAME@COMMIT for a hub model. */
  modelSource?: string;
  provider: string;
  /** Why that provider, with each provider `auto` skipped and why. */
  providerReason: string;
  /** The providers `auto` passed over (absent in results saved by earlier versions). */
  providersSkipped?: SkippedProvider[];
  /** Images or texts per ONNX batch. */
  batchSize?: number;
  classOrder: string[];
  descriptorSetHashes: Record<string, string>;
  imageSetHash: string;
  method: string;
  packageVersion: string;
  /** What this run actually sent through the model (cache hits excluded). */
  encoded: { images: number; texts: number };
  /** What went wrong with the cache and was worked around (corrupted entries re-encoded…). */
  cacheNotes?: string[];
  /** Image sets whose vectors came from an `embeddings:` file, and whether the file named this model. */
  embeddings?: { images: string; source: string; format: 'clip-retrieval' | 'parquet'; modelVerified: boolean }[];
  seed?: number;
  /** How the AUROC intervals and paired AUROC tests were computed (absent: bootstrap, before DeLong existed). */
  aurocIntervals?: IntervalMethod;
  startedAt: string;
  durationMs: number;
}

export interface ScoreResult {
  name: string;
  images: string;
  classes: string[];
  method: string;
  variants: VariantResult[];
  /** Small inline thumbnails (data: URIs) keyed by image id, only for images the gallery shows. */
  thumbnails: Record<string, string>;
  /** docs/methods.md's sanity flags, shown above the comparison table. */
  flags: SanityFlag[];
  multiLabel?: boolean;
  run: RunRecord;
  /** Against the previous run of this cell (absent on its first run). */
  changes?: ScoreChanges;
  /** The last runs of this cell, oldest first, this one last. */
  history?: RunSummary[];
  /**
   * Set when the per-image data was too large to keep whole: each variant's `predictions` and
   * `similarity` then hold only the `shown` rows (still aligned row by row, in image order), and
   * every image's rows are in a per-image file (docs/scale.md, "Outputs of bounded size").
   * Metrics, intervals, comparisons, importance, flags and changes are always of every image.
   */
  perImage?: PerImage;
}

export interface PerImage {
  mode: 'sidecar';
  /** This run's id: its per-image file in the cache is named after it. */
  run: string;
  /** Images scored (rows per variant in the per-image file). */
  images: number;
  /** Rows per variant kept here. */
  shown: number;
  /** The kept rows' positions among all images (ascending). */
  indices: number[];
  /** Per variant (in `variants` order): its failures among all images, as the gallery counts them. */
  failures: number[];
  /** Per variant: how many of its failures, in the gallery's order, are kept from the first on. */
  failuresKept: number[];
  /** In results.json: the per-image Parquet file written beside it (relative to results.json's folder). */
  file?: string;
}

export interface ImagesResult {
  name: string;
  count: number;
  classes: string[];
  counts: Record<string, number>;
  multiLabel: boolean;
  skipped: { id: string; reason: string }[];
  /** A few examples per class with inline thumbnails. */
  samples: { image: string; label: string; thumbnail: string }[];
  hash: string;
  /** Sets with DICOM files: how many used a VOI LUT, a window, min–max or colour, how many inverted. */
  dicom?: DicomSummary;
  /** Sets read with `embeddings:`: what the file held and how it matched. */
  embeddings?: ImportedEmbeddings;
}

/** A box in pixels, [x0, y0, x1, y1], end exclusive. */
export type PixelBox = [number, number, number, number];

/** The `result` of an explain cell; its output data adds `thumbnail`, the image as a data: URI. */
export interface ExplainResult {
  name: string;
  score: string;
  variant: string;
  /** Image id as the score lists it, and its 0-based index there. */
  image: string;
  index: number;
  /** As the score's prediction has them: a class, or a multi-label score's list of classes. */
  label?: Classes;
  predicted: Classes;
  multiLabel: boolean;
  /** The second-best class; null with a single class. */
  runnerUp: string | null;
  /** As protocol/margin.ts defines it (true class − best other class); null without a label. */
  margin: number | null;
  /** Classes by score, best first, each with its descriptors' cosines, highest first. */
  classes: { class: string; score: number; descriptors: { text: string; similarity: number }[] }[];
  occlusion: {
    /** A class (the mean of its descriptor embeddings) or one raw descriptor, and the texts embedded. */
    target: { kind: 'class' | 'descriptor'; class: string; text: string; embedded: string[] };
    patch: number;
    stride: number;
    /** The patch per channel of the model input: mid-grey as the preprocessing turns it. */
    fill: number[];
    /** Side of the model input; patch, stride and the grids are in its pixels. */
    inputSize: number;
    /** cos(image, target) with nothing occluded. */
    baseline: number;
    /** Patch left/top edges; drops[r][c] = baseline − cos(patch at (xs[c], ys[r]) grey). */
    xs: number[];
    ys: number[];
    drops: number[][];
    /** Per stride×stride cell: the mean drop of the patches covering it. */
    heatmap: number[][];
    peak: { row: number; col: number; drop: number; inputBox: PixelBox; box: PixelBox };
    /**
     * The model input in original pixels (resize + centre crop undone): how the grids map onto
     * the image. It reaches past the image's edges where the crop padded it.
     */
    inputBox: PixelBox;
  };
  /**
   * A map per class and per descriptor of the variant (and per method), so the output can switch
   * its target without re-running; `occlusion` above holds the written target's in full. Missing
   * in outputs saved before maps were listed.
   */
  maps?: ExplainMap[];
  /** Whether a patch-token map could be made, and if not, why (shown beside the occlusion map). */
  patchTokens?: { available: boolean; reason: string };
  imageSize: { width: number; height: number };
  run: {
    model: string;
    modelFingerprint: string;
    provider: string;
    providerReason?: string;
    /** Occluded copies (+ the image, + the image once more for its patch tokens) and texts encoded, cache hits excluded. */
    encoded: { images: number; texts: number };
    startedAt: string;
    durationMs: number;
  };
}

/** One heatmap of an explain output: which method made it, for which target, on which grid. */
export interface ExplainMap {
  /**
   * `occlusion`: baseline − cos(image with a grey patch, target), averaged per cell;
   * `patch-tokens`: cos(patch token projected like the image embedding, target) per token.
   */
  method: 'occlusion' | 'patch-tokens';
  target: { kind: 'class' | 'descriptor'; class: string; text: string };
  /** cos(image, target) with nothing occluded. */
  baseline: number;
  /** Side of one heatmap cell in model-input pixels. */
  cell: number;
  /** Square grid over the model input, rows top to bottom. */
  heatmap: number[][];
  /** The hottest cell; `box` in original image pixels. */
  peak: { row: number; col: number; value: number; box: PixelBox };
}

/** The data of a generate cell's output and its `result` in results.json. */
export interface GenerateResult {
  name: string;
  /** Class → parsed, merged, de-duplicated descriptors. Order of keys = class order. */
  classes: Record<string, string[]>;
  /** Class → the exact user messages sent (several for `cupl`). */
  prompts: Record<string, string[]>;
  /** `medical`, `dclip`, `cupl` or `custom`. */
  prompt: string;
  modality?: string;
  model: string;
  /** Model names the server reported in its replies (e.g. a dated snapshot of `model`). */
  servedBy: string[];
  /** Base URL as the cache key has it (never a key). */
  endpoint: string;
  parameters: { temperature: number; max_tokens?: number; n: number };
  requests: { total: number; sent: number; fromCache: number };
  /** True when no request reached the server. */
  fromCache: boolean;
  template?: string;
  templateClass?: string;
  /** Hash of the descriptor set, as score run records cite it. */
  hash: string;
  /** Name the inserted descriptors cell defines. */
  descriptorsName: string;
  /** A descriptors cell with these descriptors; its first line names this generate cell. */
  yaml: string;
}
