// Exact McNemar test of two variants' correctness on the same images (docs/methods.md,
// "Statistics"). Only discordant images carry information: under "equally accurate", each is
// equally likely to favour either variant, so their split is Binomial(b + c, 1/2).

/** McNemar exact test from per-image correctness of two variants. */
import type { McNemarResult } from '../protocol/statistics';

export function mcnemarExact(baselineCorrect: readonly boolean[], variantCorrect: readonly boolean[]): McNemarResult {
  if (baselineCorrect.length !== variantCorrect.length) {
    throw new Error(`McNemar needs the same images: ${baselineCorrect.length} vs ${variantCorrect.length}`);
  }
  let baselineOnly = 0;
  let variantOnly = 0;
  baselineCorrect.forEach((a, i) => {
    if (a && !variantCorrect[i]) baselineOnly++;
    else if (!a && variantCorrect[i]) variantOnly++;
  });
  return { baselineOnly, variantOnly, p: mcnemarExactP(baselineOnly, variantOnly) };
}

/** The exact two-sided p from the discordant counts b and c. */
export function mcnemarExactP(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  // Sum the binomial tail in log space: C(n, i) / 2ⁿ underflows for n beyond ~1,000.
  let logC = 0; // log C(n, 0)
  let maxLog = -Infinity;
  const logTerms: number[] = [];
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    const term = logC - n * Math.LN2;
    logTerms.push(term);
    maxLog = Math.max(maxLog, term);
  }
  const tail = Math.exp(maxLog) * logTerms.reduce((sum, t) => sum + Math.exp(t - maxLog), 0);
  return Math.min(1, 2 * tail);
}
