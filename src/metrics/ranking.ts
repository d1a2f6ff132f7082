// Search metrics (ELIXR's semantic search, docs/methods.md, "Metrics"): rank images by a text query's score and
// judge the top k against a relevance label.

/** Indices ranked by descending score; ties keep input order, so rankings are deterministic. */
export function rankByScore(scores: ArrayLike<number>): number[] {
  return Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
}

/**
 * NDCG@k with linear gains: DCG = Σ_{r=1..k} rel(r) / log2(r + 1) over the ranking by score,
 * divided by the DCG of the ideal ordering (relevances sorted descending). Binary relevance
 * (1 = image has the queried label) is the usual case; graded relevance works too. Null when no
 * image is relevant, where NDCG is undefined.
 */
export function ndcgAtK(scores: ArrayLike<number>, relevance: ArrayLike<number | boolean>, k: number): number | null {
  const gains = checkedGains(scores, relevance, k);
  const ranked = rankByScore(scores).map((i) => gains[i]);
  const ideal = [...gains].sort((a, b) => b - a);
  const idealDcg = dcg(ideal, k);
  return idealDcg > 0 ? dcg(ranked, k) / idealDcg : null;
}

/**
 * Fraction of relevant images among the top min(k, n) by score (dividing by min(k, n) rather
 * than k so that a set smaller than k is not penalised for images that do not exist).
 */
export function precisionAtK(scores: ArrayLike<number>, relevant: ArrayLike<number | boolean>, k: number): number {
  const gains = checkedGains(scores, relevant, k);
  const top = rankByScore(scores).slice(0, k);
  if (top.length === 0) throw new Error('precision@k needs at least one image');
  return top.filter((i) => gains[i] > 0).length / top.length;
}

function dcg(gainsInRankOrder: number[], k: number): number {
  let sum = 0;
  const end = Math.min(k, gainsInRankOrder.length);
  for (let r = 0; r < end; r++) sum += gainsInRankOrder[r] / Math.log2(r + 2);
  return sum;
}

function checkedGains(scores: ArrayLike<number>, relevance: ArrayLike<number | boolean>, k: number): number[] {
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, not ${k}`);
  if (relevance.length !== scores.length) {
    throw new Error(`Ranking needs one relevance per image: ${relevance.length} for ${scores.length} scores`);
  }
  return Array.from(relevance, (r) => Number(r));
}
