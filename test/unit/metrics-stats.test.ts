import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bootstrapCI,
  classificationCIs,
  multiLabelCIs,
  pairedAurocComparison,
  pairedBootstrapAuroc,
  percentileInterval,
  quantile,
} from '../../src/metrics/bootstrap';
import { classificationMetrics, multiLabelMetrics } from '../../src/metrics/classification';
import { mcnemarExact, mcnemarExactP } from '../../src/metrics/mcnemar';
import { deriveSeed, mulberry32, shuffleInPlace } from '../../src/common/random';
import { ndcgAtK, precisionAtK, rankByScore } from '../../src/metrics/ranking';

const close = (actual: number | null | undefined, expected: number, eps = 1e-12) =>
  assert.ok(actual != null && Math.abs(actual - expected) < eps, `expected ${expected}, got ${actual}`);

test('mulberry32 is reproducible per seed and spreads over [0, 1)', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const c = mulberry32(43);
  const xs = Array.from({ length: 10000 }, () => a());
  assert.deepEqual(
    xs.slice(0, 5),
    Array.from({ length: 5 }, () => b()),
  );
  assert.notDeepEqual(
    xs.slice(0, 5),
    Array.from({ length: 5 }, () => c()),
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  close(xs.reduce((s, x) => s + x, 0) / xs.length, 0.5, 0.01);
  assert.deepEqual(
    shuffleInPlace([1, 2, 3, 4, 5, 6], mulberry32(1)),
    shuffleInPlace([1, 2, 3, 4, 5, 6], mulberry32(1)),
  );
  assert.notEqual(deriveSeed(1, 'random-words', '0'), deriveSeed(1, 'random-words', '1'));
  assert.equal(deriveSeed(1, 'x'), deriveSeed(1, 'x'));
});

test('percentile interval interpolates like numpy', () => {
  close(quantile([1, 2, 3, 4], 0.25), 1.75);
  close(quantile([5], 0.975), 5);
  const draws = Array.from({ length: 101 }, (_, i) => 100 - i); // 0..100, unsorted
  const ci = percentileInterval(50, draws, 0.95)!;
  close(ci.low, 2.5);
  close(ci.high, 97.5);
  assert.equal(percentileInterval(1, [], 0.95), null);
});

// 200 images, 140 correct (accuracy 0.7), in a fixed interleaved order.
const correct = Array.from({ length: 200 }, (_, i) => i % 10 < 7);
const accuracy = (w: Uint32Array) => {
  let right = 0;
  let total = 0;
  w.forEach((m, i) => {
    total += m;
    if (correct[i]) right += m;
  });
  return right / total;
};

test('bootstrap CI: same seed same interval, another seed another, sensible width', () => {
  const a = bootstrapCI(200, accuracy, { seed: 7 })!;
  const b = bootstrapCI(200, accuracy, { seed: 7 })!;
  const c = bootstrapCI(200, accuracy, { seed: 8 })!;
  assert.deepEqual(a, b);
  assert.notDeepEqual([a.low, a.high], [c.low, c.high]);
  close(a.estimate, 0.7);
  assert.equal(a.valid, 1000);
  // Normal approximation: 0.7 ± 1.96·√(0.21/200) = [0.636, 0.764].
  close(a.low, 0.636, 0.02);
  close(a.high, 0.764, 0.02);
  assert.ok(a.low < a.estimate && a.estimate < a.high);
});

test('every resample draws n images with replacement', () => {
  const sums: number[] = [];
  bootstrapCI(
    37,
    (w) => {
      sums.push(w.reduce((s, m) => s + m, 0));
      return 0;
    },
    { resamples: 50 },
  );
  assert.equal(sums.length, 51); // the full sample, then 50 resamples
  assert.ok(sums.every((s) => s === 37));
  const constant = bootstrapCI(10, () => 3, { resamples: 20 })!;
  assert.deepEqual([constant.low, constant.estimate, constant.high], [3, 3, 3]);
  assert.equal(
    bootstrapCI(10, () => null),
    null,
  );
});

test('classification CIs are centred on the metrics and reproducible', () => {
  const classes = ['normal', 'pneumonia'];
  const labels = correct.map((_, i) => (i % 3 === 0 ? 'normal' : 'pneumonia'));
  const scores = labels.map((l, i) => {
    const p = ((i * 37) % 100) / 100 + (l === 'pneumonia' ? 0.3 : 0);
    return [1 - p, p];
  });
  const predicted = scores.map((s) => (s[1] > s[0] ? 'pneumonia' : 'normal'));
  const m = classificationMetrics(labels, predicted, scores, classes);
  const ci = classificationCIs(labels, predicted, scores, classes, { seed: 3 });
  close(ci.accuracy.estimate, m.accuracy);
  close(ci.balancedAccuracy.estimate, m.balancedAccuracy);
  close(ci.macroF1.estimate, m.macroF1);
  close(ci.auroc.pneumonia!.estimate, m.auroc.pneumonia!);
  for (const interval of [ci.accuracy, ci.balancedAccuracy, ci.macroF1, ci.auroc.normal!]) {
    assert.ok(interval.low <= interval.estimate && interval.estimate <= interval.high);
  }
  assert.deepEqual(classificationCIs(labels, predicted, scores, classes, { seed: 3 }), ci);
});

test('multi-label CIs: per-class AUROC and its mean, centred on the full-sample values', () => {
  const labels = correct.map((_, i) => [i % 2, i % 5 === 0 ? 1 : 0]);
  const scores = labels.map((l, i) => [l[0] * 0.3 + ((i * 31) % 17) / 17, ((i * 7) % 13) / 13]);
  const ci = multiLabelCIs(labels, scores, ['effusion', 'nodule'], { seed: 4 });
  const full = multiLabelMetrics(labels, scores, ['effusion', 'nodule']);
  close(ci.auroc.effusion!.estimate, full.auroc.effusion!);
  close(ci.meanAuroc!.estimate, full.meanAuroc!);
  assert.ok(
    ci.auroc.effusion!.low < ci.auroc.effusion!.estimate && ci.auroc.effusion!.estimate < ci.auroc.effusion!.high,
  );
  assert.equal(multiLabelCIs([[0], [0]], [[0.1], [0.2]], ['x']).auroc.x, null);
});

test('paired bootstrap on AUROC: identical variants differ by exactly 0 with p = 1', () => {
  const isPositive = correct.map((_, i) => i % 2 === 0);
  const s = isPositive.map((_, i) => ((i * 53) % 97) / 97);
  const same = pairedBootstrapAuroc(isPositive, s, s)!;
  assert.deepEqual([same.difference, same.low, same.high, same.p], [0, 0, 0, 1]);
});

test('paired bootstrap on AUROC: a clearly better variant has a positive CI and a small p', () => {
  const isPositive = correct.map((_, i) => i % 2 === 0);
  const noise = isPositive.map((_, i) => ((i * 53) % 97) / 97);
  const better = isPositive.map((p, i) => noise[i] + (p ? 0.6 : 0));
  const r = pairedBootstrapAuroc(isPositive, noise, better, { seed: 1 })!;
  assert.ok(r.variant > r.baseline);
  assert.ok(r.low > 0, `low ${r.low}`);
  // No resample favours the baseline: p = 2 · (0 + 1) / 1001.
  close(r.p, 2 / 1001);
  const byClass = pairedAurocComparison(
    [isPositive, isPositive.map((p) => !p)],
    noise.map((x) => [x, 1 - x]),
    better.map((x) => [x, 1 - x]),
    ['a', 'b'],
    { seed: 1 },
  );
  close(byClass.perClass.a!.difference, r.difference);
  close(byClass.mean!.difference, r.difference); // b's scores mirror a's, so its AUROC is the same
});

test('McNemar exact p on known tables', () => {
  // b = 1, c = 6: 2 · (C(7,0) + C(7,1)) / 2⁷ = 2 · 8/128 = 0.125.
  close(mcnemarExactP(1, 6), 0.125);
  close(mcnemarExactP(6, 1), 0.125);
  close(mcnemarExactP(0, 5), 0.0625);
  close(mcnemarExactP(3, 3), 1);
  close(mcnemarExactP(0, 0), 1);
  // scipy.stats.binomtest(10, 30).pvalue = 0.0987371467…; large n stays finite.
  close(mcnemarExactP(10, 20), 0.09873714670538902, 1e-12);
  close(mcnemarExactP(400, 500), 0.0009564441369189461, 1e-12);
  const r = mcnemarExact([true, true, false, false, true], [true, false, true, true, true]);
  assert.deepEqual([r.baselineOnly, r.variantOnly], [1, 2]);
  close(r.p, 1); // 2 · (1 + 3) / 8 = 1
});

test('NDCG@k and precision@k on a hand example', () => {
  // Ranked by score: rel 0, 1, 0, 1, 1.
  const scores = [0.9, 0.8, 0.7, 0.6, 0.5];
  const relevant = [false, true, false, true, true];
  // DCG@3 = 1/log2(3) ≈ 0.63093; ideal 1 + 1/log2(3) + 1/log2(4) ≈ 2.13093.
  close(ndcgAtK(scores, relevant, 3), 1 / Math.log2(3) / (1 + 1 / Math.log2(3) + 0.5));
  close(precisionAtK(scores, relevant, 3), 1 / 3);
  close(
    ndcgAtK(scores, relevant, 5),
    (1 / Math.log2(3) + 1 / Math.log2(5) + 1 / Math.log2(6)) / (1 + 1 / Math.log2(3) + 0.5),
  );
  close(precisionAtK(scores, relevant, 10), 3 / 5);
  close(ndcgAtK([0.1, 0.9], [1, 0], 1), 0);
  close(ndcgAtK([0.9, 0.1], [1, 0], 1), 1);
  assert.equal(ndcgAtK(scores, [0, 0, 0, 0, 0], 3), null);
  assert.deepEqual(rankByScore([0.5, 0.7, 0.5, 0.9]), [3, 1, 0, 2]);
  assert.throws(() => ndcgAtK(scores, relevant, 0), /k must be a positive integer/);
});
