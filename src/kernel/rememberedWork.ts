// Everything this process keeps between runs so that the next run recomputes only what changed:
// embeddings read from the cache, cosine columns, class score columns and their saved decimals,
// DeLong components, the last runs of score cells. All of it is a cache of numbers a new
// computation would give again; forgetting it costs time, never a result.
import { EmbeddingCache } from '../cache/embeddingCache';
import { RunHistory } from '../cache/runHistory';
import { forgetComponents } from '../metrics/delong';
import { forgetClassColumns } from '../scoring/classScores';
import { forgetCosines } from '../scoring/cosines';
import { forgetSavedColumns } from '../scoring/savedColumns';

/** As a new process starts: nothing remembered (the scale bench between its parts). */
export function forgetRememberedWork(): void {
  EmbeddingCache.clearMemory();
  RunHistory.clearMemory();
  forgetCosines();
  forgetClassColumns();
  forgetSavedColumns();
  forgetComponents();
}
