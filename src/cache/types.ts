// Content-addressed on-disk cache. Keys are computed by the caller (see docs/methods.md, "Caches and staleness"):
//   image embedding: model fingerprint + preprocessKey + image content hash
//   text embedding : model fingerprint + exact text
//   LLM completion : endpoint + model + full prompt + parameters
export interface EmbeddingCacheStats {
  hits: number;
  misses: number;
}
