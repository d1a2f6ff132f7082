// DeLong components remembered between runs (metrics/delong.ts rememberedComponents): a hit is
// only ever the result a new computation gives, and a changed value or label is a miss.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32 } from '../../src/common/random';
import { aurocComponents, delongIntervals, forgetComponents, rememberedComponents } from '../../src/metrics/delong';

function column(n: number, seed: number): { positive: boolean[]; scores: Float64Array } {
  const random = mulberry32(seed);
  const positive = Array.from({ length: n }, () => random() < 0.3);
  // Rounded to 3 decimals: many ties, as float32-rounded cosines have.
  const scores = Float64Array.from(positive, (p) => Math.round((random() + (p ? 0.3 : 0)) * 1000) / 1000);
  return { positive, scores };
}

describe('remembered DeLong components', () => {
  it('give what a new computation gives, and the same object for the same values', () => {
    forgetComponents();
    const { positive, scores } = column(5000, 1);
    const first = rememberedComponents(positive, scores);
    assert.deepEqual(first, aurocComponents(positive, scores));
    // A copy with the same values (a new run's column of an unchanged class) hits.
    assert.equal(rememberedComponents([...positive], scores.slice()), first);
  });

  it('miss on one changed score, one changed label, or a NaN where a number was', () => {
    forgetComponents();
    const { positive, scores } = column(4000, 2);
    const base = rememberedComponents(positive, scores)!;
    // Far from its neighbours, so the change moves the image in the ranking.
    const moved = scores.slice();
    const i = positive.indexOf(true);
    moved[i] = -1;
    const relabelled = positive.slice();
    relabelled[positive.indexOf(false)] = true;
    const withNaN = scores.slice();
    withNaN[0] = NaN;
    for (const [p, s] of [
      [positive, moved],
      [relabelled, scores],
      [positive, withNaN],
    ] as const) {
      const got = rememberedComponents(p, s);
      assert.notEqual(got, base);
      assert.deepEqual(got, aurocComponents(p, s));
    }
  });

  it('leave the intervals as they were computed without memory', () => {
    forgetComponents();
    const classes = ['a', 'b', 'c'];
    const cols = classes.map((_, c) => column(3000, 10 + c));
    const positives = cols.map((c) => c.positive);
    const rows = Array.from({ length: 3000 }, (_, i) => cols.map((c) => c.scores[i]));
    const fresh = delongIntervals(positives, rows, classes, 0.95);
    const again = delongIntervals(positives, rows, classes, 0.95);
    assert.deepEqual(again, fresh);
    const direct = aurocComponents(positives[1], cols[1].scores)!;
    assert.equal(fresh.auroc.b?.estimate, direct.auroc);
  });

  it('forget the least recently used past the byte budget (still exact)', () => {
    forgetComponents();
    // 40 columns of 100,000 images: 68 MB, over the 48 MB kept.
    const big = Array.from({ length: 40 }, (_, k) => column(100_000, 100 + k));
    const first = rememberedComponents(big[0].positive, big[0].scores);
    for (const c of big.slice(1)) rememberedComponents(c.positive, c.scores);
    const again = rememberedComponents(big[0].positive, big[0].scores);
    assert.notEqual(again, first);
    assert.deepEqual(again, first);
    forgetComponents();
  });
});
