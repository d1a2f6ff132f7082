// The result of a search cell: its `result` in results.json and the data of its output MIME
// (which adds `thumbnails`). Keep field names stable: results.json is a public format.
import type { ConfidenceInterval } from './statistics';

export interface SearchHitResult {
  /** Image id as the image set lists it (relative to the notebook). */
  image: string;
  /** The image's class; multi-label sets list their positive classes as "a, b". */
  label: string;
  cosine: number;
  /** Set when the query names a relevant label: whether this image carries it. */
  relevant?: boolean;
}

export interface SearchQueryResult {
  /** `text`: a sentence embedded by the text tower; `image`: an image's embedding (`like:`). */
  kind: 'text' | 'image';
  /** The query text, or the query image's id. */
  query: string;
  /** The label whose images count as relevant, when the query gives one. */
  relevant?: string;
  /** Images with that label in the set (what the ideal ranking can reach). */
  relevantCount?: number;
  /** The top k, best first (an image query leaves out the query image itself). */
  hits: SearchHitResult[];
  /** Share of relevant images among the top k (of min(k, n)). */
  precisionAtK?: number;
  /** NDCG@k with binary gains; null when no image is relevant. */
  ndcgAtK?: number | null;
}

export interface SearchResult {
  name: string;
  images: string;
  model: string;
  k: number;
  queries: SearchQueryResult[];
  /**
   * Means over the queries that name a relevant label, each with a 95 % percentile bootstrap CI
   * that resamples queries (1,000 resamples, seeded); null where no query gives a label.
   */
  metrics: {
    queries: number;
    precisionAtK: ConfidenceInterval | null;
    ndcgAtK: ConfidenceInterval | null;
    method: string;
  };
  run: {
    modelFingerprint: string;
    provider: string;
    imageSetHash: string;
    /** Images and texts this run sent through the model (cache hits excluded). */
    encoded: { images: number; texts: number };
    seed: number;
    /** Time of the ranking alone (dot products and top-k of every query). */
    searchMs: number;
    /** How the hits were found: an exact scan, or packed int8 codes with exact re-ranking (large sets). */
    searchMethod?: string;
    startedAt: string;
    durationMs: number;
  };
}

/** The output data: the result plus inline thumbnails of the hits, keyed by image id. */
export interface SearchOutput extends SearchResult {
  thumbnails: Record<string, string>;
}
