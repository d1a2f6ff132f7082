// Messages between the renderers and the extension host (renderer messaging). The extension side
// imports these types too, so both ends agree on the shapes.

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
