// Messages between the renderers and the extension host (renderer messaging). The extension side
// imports these types too, so both ends agree on the shapes.
import type { Prediction } from './results';

/** Renderer → extension: "send me this image's thumbnail" (images the saved output left out). */
export interface ThumbnailRequest {
  type: 'thumbnail';
  /** The image id as results show it (relative to the notebook). */
  image: string;
}

/** Extension → renderer. `dataUri` is absent (and `error` says why) when the image cannot be read. */
export interface ThumbnailReply {
  type: 'thumbnail';
  image: string;
  dataUri?: string;
  error?: string;
}

/** Renderer → extension: open the full image in an editor beside the notebook. */
export interface OpenImageRequest {
  type: 'openImage';
  image: string;
}

export function isThumbnailReply(m: unknown): m is ThumbnailReply {
  return (
    typeof m === 'object' &&
    m !== null &&
    (m as ThumbnailReply).type === 'thumbnail' &&
    typeof (m as ThumbnailReply).image === 'string'
  );
}

/** Renderer → extension: insert `yaml` as a new cell below the generate cell that produced it. */
export interface InsertDescriptorsCellMessage {
  type: 'insertDescriptorsCell';
  yaml: string;
  /** The generate cell's name, to find the cell when its output cannot be matched. */
  name: string;
}

export function isInsertDescriptorsCellMessage(m: unknown): m is InsertDescriptorsCellMessage {
  const r = m as Partial<InsertDescriptorsCellMessage> | null;
  return !!r && r.type === 'insertDescriptorsCell' && typeof r.yaml === 'string' && typeof r.name === 'string';
}

/**
 * Renderer → extension: "Find similar" on a score's failure card. The extension inserts a search
 * cell with `like:` this image below the score cell and runs it.
 */
export interface FindSimilarRequest {
  type: 'findSimilar';
  /** Image id as the score lists it (relative to the notebook). */
  image: string;
  /** The score cell's name and the image set and model it ran on. */
  score: string;
  images: string;
  model: string;
}

export function isFindSimilarRequest(m: unknown): m is FindSimilarRequest {
  const r = m as Partial<FindSimilarRequest> | null;
  return (
    !!r &&
    r.type === 'findSimilar' &&
    [r.image, r.score, r.images, r.model].every((v) => typeof v === 'string' && v.length > 0 && v.length <= 1000)
  );
}

/**
 * Renderer → extension: "Explain this image" on a score's card or detail panel. The extension
 * inserts an explain cell for this image and variant below the score cell and runs it.
 */
export interface ExplainImageRequest {
  type: 'explainImage';
  /** Image id as the score lists it (relative to the notebook). */
  image: string;
  /** The score cell's name and the variant whose evidence to show. */
  score: string;
  variant: string;
}

export function isExplainImageRequest(m: unknown): m is ExplainImageRequest {
  const r = m as Partial<ExplainImageRequest> | null;
  return (
    !!r &&
    r.type === 'explainImage' &&
    [r.image, r.score, r.variant].every((v) => typeof v === 'string' && v.length > 0 && v.length <= 1000)
  );
}

/** What the score renderer's actions post to the extension. */
export type ScoreActionMessage = OpenImageRequest | FindSimilarRequest | ExplainImageRequest;

/** Rows one reply carries at most. */
export const MAX_ROWS_PER_REPLY = 500;

/**
 * Renderer → extension: a page of a paged score's rows (ScoreResult.perImage) from its per-image
 * file: a variant's failures (gallery order), one confusion cell's images, or every image in
 * class or margin order (the heatmap's pages).
 */
export interface ScoreRowsRequest {
  type: 'scoreRows';
  /** Echoed in the reply. */
  id: number;
  /** The score cell's name, its run (perImage.run) and the variant. */
  score: string;
  run: string;
  variant: string;
  list: 'failures' | 'cell' | 'all';
  /** With `cell`: the true and predicted class. */
  cell?: { label: string; predicted: string };
  /** With `all`: grouped by class in image order, or by margin, worst first. */
  order?: 'class' | 'margin';
  offset: number;
  limit: number;
}

/** One row of a variant: its position among all images, prediction and similarity row. */
export interface ScoreRow {
  index: number;
  prediction: Prediction;
  similarity: number[];
}

/**
 * Extension → renderer. `gone`: the per-image file is not in the cache (cleared, another machine,
 * or a run long replaced), so the per-image views need a re-run; `error`: a refused request.
 */
export interface ScoreRowsReply {
  type: 'scoreRows';
  id: number;
  total?: number;
  rows?: ScoreRow[];
  gone?: boolean;
  error?: string;
}

const shortText = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 1000;
const count = (v: unknown, max: number): v is number =>
  Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= max;

/** The request if `m` is a well-formed one, else why not (renderers are untrusted). */
export function parseScoreRowsRequest(m: unknown): ScoreRowsRequest | string {
  const r = m as Partial<ScoreRowsRequest> | null;
  if (!r || typeof r !== 'object' || r.type !== 'scoreRows') return 'not a scoreRows request';
  if (!count(r.id, Number.MAX_SAFE_INTEGER)) return '`id` must be a whole number';
  if (!shortText(r.score) || !shortText(r.variant)) return '`score` and `variant` must be names';
  if (typeof r.run !== 'string' || !/^[0-9a-f]{16}$/.test(r.run)) return '`run` must be a run id';
  if (r.list !== 'failures' && r.list !== 'cell' && r.list !== 'all') return '`list` must be failures, cell or all';
  if (r.list === 'cell' && !(r.cell && shortText(r.cell.label) && shortText(r.cell.predicted)))
    return '`cell` must name a true and a predicted class';
  if (r.order !== undefined && r.order !== 'class' && r.order !== 'margin') return '`order` must be class or margin';
  if (!count(r.offset, 1e9) || !count(r.limit, MAX_ROWS_PER_REPLY) || r.limit === 0)
    return `\`offset\` must be a whole number and \`limit\` 1 to ${MAX_ROWS_PER_REPLY}`;
  return {
    type: 'scoreRows',
    id: r.id,
    score: r.score,
    run: r.run,
    variant: r.variant,
    list: r.list,
    ...(r.list === 'cell' ? { cell: { label: r.cell!.label, predicted: r.cell!.predicted } } : {}),
    ...(r.list === 'all' ? { order: r.order ?? 'class' } : {}),
    offset: r.offset,
    limit: r.limit,
  };
}

export function isScoreRowsReply(m: unknown): m is ScoreRowsReply {
  const r = m as Partial<ScoreRowsReply> | null;
  return !!r && r.type === 'scoreRows' && typeof r.id === 'number';
}
