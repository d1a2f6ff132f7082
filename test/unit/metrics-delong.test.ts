// DeLong's intervals and paired test (src/metrics/delong.ts) against the percentile bootstrap on the
// same seeded test sets (a few sizes, scores rounded so that ties occur): the interval bounds and the
// paired p agree within the bootstrap's Monte Carlo error. One-vs-rest (single-label) and
// multi-label sets go through the same entry points as the bootstrap. The numpy reference is
// test/integration/delong-reference.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32, type Random } from '../../src/common/random';
import { classificationCIs, multiLabelCIs, pairedAurocComparison } from '../../src/metrics/bootstrap';
import { classificationMetrics, multiLabelMetrics } from '../../src/metrics/classification';
import { aurocComponents, aurocIntervalMethod, DELONG_FROM_IMAGES, pairedDelong } from '../../src/metrics/delong';
import { normalCdf, normalQuantile } from '../../src/metrics/normal';
import type { ConfidenceInterval } from '../../src/protocol/statistics';

const CLASSES = ['normal', 'bacterial', 'viral'];
const RESAMPLES = 2000;

/** Single-label images with class scores that separate the classes moderately, rounded to 2 decimals. */
function singleLabel(random: Random, n: number) {
  const labels = Array.from({ length: n }, () => CLASSES[Math.floor(random() * CLASSES.length)]);
  const scores = labels.map((l) => CLASSES.map((c) => Math.round((random() + (c === l ? 0.5 : 0)) * 100) / 100));
  // A second variant on the same images: correlated with the first, a little better.
  const variant = scores.map((row, i) =>
    row.map((x, k) => Math.round((0.7 * x + 0.4 * random() + (CLASSES[k] === labels[i] ? 0.1 : 0)) * 100) / 100),
  );
  const predicted = scores.map((row) => CLASSES[row.indexOf(Math.max(...row))]);
  return { labels, scores, variant, predicted };
}

/**
 * The bootstrap bounds differ from DeLong's by Monte Carlo error (a 2.5 % quantile of 2,000 draws:
 * about 0.06 standard errors) plus the bootstrap's own small-sample skew; 0.35 standard errors
 * bounds both at these sizes, and a wrong variance (e.g. a missing factor of 2) is far outside it.
 */
function assertAgree(delong: ConfidenceInterval | null, bootstrap: ConfidenceInterval | null, what: string) {
  assert.ok(delong && bootstrap, `${what}: both intervals defined`);
  assert.equal(delong.method, 'delong');
  assert.equal(bootstrap.method, 'bootstrap');
  assert.ok(Math.abs(delong.estimate - bootstrap.estimate) < 1e-12, `${what}: same estimate`);
  const se = (delong.high - delong.low) / (2 * normalQuantile(0.975));
  for (const bound of ['low', 'high'] as const) {
    const gap = Math.abs(delong[bound] - bootstrap[bound]) / se;
    assert.ok(
      gap < 0.35,
      `${what} ${bound}: DeLong ${delong[bound]} vs bootstrap ${bootstrap[bound]} (${gap.toFixed(2)} SE)`,
    );
  }
}

for (const n of [150, 600, 2400]) {
  test(`DeLong AUROC intervals agree with the bootstrap, ${n} images, one-vs-rest`, () => {
    const { labels, scores, predicted } = singleLabel(mulberry32(n), n);
    const boot = classificationCIs(labels, predicted, scores, CLASSES, { seed: 1, resamples: RESAMPLES });
    const delong = classificationCIs(labels, predicted, scores, CLASSES, {
      seed: 1,
      resamples: RESAMPLES,
      auroc: 'delong',
    });
    const metrics = classificationMetrics(labels, predicted, scores, CLASSES);
    for (const c of CLASSES) {
      assert.ok(Math.abs(delong.auroc[c]!.estimate - metrics.auroc[c]!) < 1e-12, `${c}: the metric's own AUROC`);
      assertAgree(delong.auroc[c], boot.auroc[c], `${n} images, ${c}`);
    }
    // Only the AUROCs change method; the confusion-matrix metrics stay bootstrapped, on the same draws.
    assert.deepEqual(delong.accuracy, boot.accuracy);
    assert.equal(delong.macroF1.method, 'bootstrap');
  });

  test(`DeLong's paired test agrees with the paired bootstrap, ${n} images`, () => {
    const { labels, scores, variant } = singleLabel(mulberry32(n + 1), n);
    const positives = CLASSES.map((c) => labels.map((l) => l === c));
    const options = { seed: 2, resamples: RESAMPLES };
    const boot = pairedAurocComparison(positives, scores, variant, CLASSES, options);
    const delong = pairedAurocComparison(positives, scores, variant, CLASSES, { ...options, auroc: 'delong' });
    for (const key of [...CLASSES, 'mean']) {
      const d = key === 'mean' ? delong.mean! : delong.perClass[key]!;
      const b = key === 'mean' ? boot.mean! : boot.perClass[key]!;
      assert.equal(d.method, 'delong');
      assert.ok(Math.abs(d.difference - b.difference) < 1e-12, `${key}: same difference`);
      assertAgree(
        { estimate: d.difference, low: d.low, high: d.high, level: d.level, valid: d.valid, method: 'delong' },
        { estimate: b.difference, low: b.low, high: b.high, level: b.level, valid: b.valid, method: 'bootstrap' },
        `${n} images, paired ${key}`,
      );
      // Two-sided p from the normal approximation vs the bootstrap's share beyond zero: agree in z.
      if (b.p > 0.01 && b.p < 0.99) {
        const z = (p: number) => normalQuantile(1 - p / 2);
        assert.ok(Math.abs(z(d.p) - z(b.p)) < 0.35, `${key}: DeLong p ${d.p} vs bootstrap p ${b.p}`);
      }
    }
  });
}

test('multi-label sets: DeLong per-class and mean AUROC intervals agree with the bootstrap', () => {
  const random = mulberry32(7);
  const n = 1500;
  const labels = Array.from({ length: n }, () => CLASSES.map(() => (random() < 0.3 ? 1 : 0)));
  const scores = labels.map((row) => row.map((y) => Math.round((random() + 0.6 * y) * 50) / 50));
  const boot = multiLabelCIs(labels, scores, CLASSES, { seed: 3, resamples: RESAMPLES });
  const delong = multiLabelCIs(labels, scores, CLASSES, { seed: 3, resamples: RESAMPLES, auroc: 'delong' });
  const metrics = multiLabelMetrics(labels, scores, CLASSES);
  for (const c of CLASSES) assertAgree(delong.auroc[c], boot.auroc[c], `multi-label ${c}`);
  assert.ok(Math.abs(delong.meanAuroc!.estimate - metrics.meanAuroc!) < 1e-12);
  assertAgree(delong.meanAuroc, boot.meanAuroc, 'multi-label mean');
});

test('DeLong is undefined with fewer than two positives or negatives, and exact for separable scores', () => {
  assert.equal(aurocComponents([true, false, false], [0.9, 0.1, 0.2]), null);
  assert.equal(aurocComponents([true, true, false], [0.9, 0.1, 0.2]), null);
  const perfect = aurocComponents([true, true, false, false], [0.9, 0.8, 0.2, 0.1])!;
  assert.equal(perfect.auroc, 1);
  assert.ok(
    perfect.psi.every((x) => x === 0),
    'no variance when every positive outranks every negative',
  );
  const same = pairedDelong([[perfect, perfect]], 0.95)!;
  assert.deepEqual([same.difference, same.p, same.low, same.high], [0, 1, 0, 0]);
  const { labels, scores, predicted } = singleLabel(mulberry32(9), 40);
  const one = classificationCIs(labels.slice(0, 3), predicted.slice(0, 3), scores.slice(0, 3), CLASSES, {
    auroc: 'delong',
  });
  assert.ok(Object.values(one.auroc).every((x) => x === null));
});

test('intervals: auto switches to DeLong at the documented size; bootstrap and delong force one', () => {
  assert.equal(aurocIntervalMethod('auto', DELONG_FROM_IMAGES - 1), 'bootstrap');
  assert.equal(aurocIntervalMethod('auto', DELONG_FROM_IMAGES), 'delong');
  assert.equal(aurocIntervalMethod('bootstrap', 10 * DELONG_FROM_IMAGES), 'bootstrap');
  assert.equal(aurocIntervalMethod('delong', 10), 'delong');
});

test('normal CDF and quantile match tabulated values', () => {
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959963984540054) < 1e-14);
  assert.ok(Math.abs(normalCdf(-1.959963984540054) - 0.025) < 1e-15);
  assert.ok(Math.abs(normalCdf(-5) / 2.866515718791939e-7 - 1) < 1e-13);
  assert.ok(Math.abs(normalCdf(1) - 0.8413447460685429) < 1e-15);
  assert.throws(() => normalQuantile(1), /0 < p < 1/);
});
