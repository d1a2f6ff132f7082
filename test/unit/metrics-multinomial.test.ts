// The multinomial table draws of the bootstrap (docs/methods.md, "Statistics"): the binomial
// (inversion and BTPE) and multinomial samplers against their theory, determinism by seed, and the intervals
// they give against the image bootstrap on 20,000 images.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mulberry32, mulberry32 } from '../../src/common/random';
import { bootstrapVector, classificationCIs, pairedBootstrapMany } from '../../src/metrics/bootstrap';
import {
  accuracyFromConfusion,
  classificationMetrics,
  macroF1FromConfusion,
  tableRows,
} from '../../src/metrics/classification';
import { DELONG_FROM_IMAGES } from '../../src/metrics/delong';
import { Variates } from '../../src/metrics/multinomial';
import { tableDrawsFor, type TableDraws } from '../../src/metrics/resample';
import type { ConfidenceInterval } from '../../src/protocol/statistics';
import { compareRuns, type StoredScore } from '../../src/scoring/changes';

/** Sample mean and variance (n − 1 divisor). */
function moments(xs: ArrayLike<number>): { mean: number; variance: number } {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i];
  const mean = sum / xs.length;
  let squares = 0;
  for (let i = 0; i < xs.length; i++) squares += (xs[i] - mean) ** 2;
  return { mean, variance: squares / (xs.length - 1) };
}

/**
 * Sample mean and variance of R draws within 4.5 standard errors of the theory: SE(mean) =
 * √(σ²/R), SE(variance) = √((μ₄ − σ⁴(R − 3)/(R − 1))/R). The seeds are fixed, so a pass is reproducible; 4.5 SE
 * is a one-in-150,000 false alarm for a correct sampler, while a wrong variance (e.g. a
 * Poisson or normal shortcut) is many SE off at these R.
 */
function assertMoments(draws: ArrayLike<number>, mean: number, variance: number, mu4: number, what: string) {
  const R = draws.length;
  const got = moments(draws);
  const seMean = Math.sqrt(variance / R);
  const seVariance = Math.sqrt((mu4 - (variance * variance * (R - 3)) / (R - 1)) / R);
  assert.ok(Math.abs(got.mean - mean) <= 4.5 * seMean, `${what}: mean ${got.mean}, theory ${mean} (SE ${seMean})`);
  assert.ok(
    Math.abs(got.variance - variance) <= 4.5 * seVariance,
    `${what}: variance ${got.variance}, theory ${variance} (SE ${seVariance})`,
  );
}

const binomialMu4 = (n: number, p: number) => n * p * (1 - p) * (1 + 3 * p * (1 - p) * (n - 2));

// BTPE (n·min(p, 1 − p) > 30) and inversion, each on both sides of ½.
for (const [n, p] of [
  [100_000, 0.3],
  [100_000, 0.00005],
  [20_000, 0.97],
  [100, 0.31],
  [37, 0.5],
  [16, 0.8],
  [1, 0.5],
] as const) {
  test(`binomial(${n}, ${p}): mean and variance as theory says`, () => {
    const variates = new Variates(new Mulberry32(n + 1));
    const draws = Float64Array.from({ length: 20_000 }, () => variates.binomial(n, p));
    assert.ok(draws.every((x) => Number.isInteger(x) && x >= 0 && x <= n));
    assertMoments(draws, n * p, n * p * (1 - p), binomialMu4(n, p), `Binomial(${n}, ${p})`);
  });
}

test('binomial: edge probabilities and no trials', () => {
  const variates = new Variates(new Mulberry32(3));
  assert.equal(variates.binomial(1000, 0), 0);
  assert.equal(variates.binomial(1000, 1), 1000);
  assert.equal(variates.binomial(0, 0.4), 0);
});

/**
 * Binomial(n, p) probabilities by the ratios f(k)/f(k − 1) = (n − k + 1)/k · p/(1 − p), outward
 * from the mode and normalised (no underflow of (1 − p)ⁿ at large n).
 */
function binomialPmf(n: number, p: number): number[] {
  const f = new Array<number>(n + 1).fill(0);
  const mode = Math.floor((n + 1) * p);
  f[mode] = 1;
  for (let k = mode + 1; k <= n; k++) f[k] = (((f[k - 1] * (n - k + 1)) / k) * p) / (1 - p);
  for (let k = mode - 1; k >= 0; k--) f[k] = (((f[k + 1] * (k + 1)) / (n - k)) * (1 - p)) / p;
  const total = f.reduce((a, b) => a + b, 0);
  return f.map((x) => x / total);
}

// Moments could match while the shape is off, so the whole distribution is checked too: by
// inversion, by BTPE near the mode (product formula) and in its tails (squeeze and Stirling).
for (const [n, p] of [
  [40, 0.3],
  [200, 0.05],
  [200, 0.3],
  [1000, 0.5],
  [5000, 0.2],
  [2000, 0.9],
] as const) {
  test(`binomial(${n}, ${p}): the whole distribution fits (chi-square)`, () => {
    const variates = new Variates(new Mulberry32(99));
    const R = 100_000;
    const observed = new Array<number>(n + 1).fill(0);
    for (let r = 0; r < R; r++) observed[variates.binomial(n, p)]++;
    // Neighbouring outcomes pooled until at least 20 are expected, the rest into the last bin.
    const pmf = binomialPmf(n, p);
    const bins: [number, number][] = [];
    let [o, e] = [0, 0];
    for (let k = 0; k <= n; k++) {
      o += observed[k];
      e += pmf[k] * R;
      if (e >= 20) {
        bins.push([o, e]);
        [o, e] = [0, 0];
      }
    }
    bins[bins.length - 1][0] += o;
    bins[bins.length - 1][1] += e;
    const chi2 = bins.reduce((sum, [o, e]) => sum + (o - e) ** 2 / e, 0);
    const df = bins.length - 1;
    // The chi-square's 1 − 10⁻⁴ quantile (Wilson–Hilferty, z = 3.72).
    const limit = df * (1 - 2 / (9 * df) + 3.72 * Math.sqrt(2 / (9 * df))) ** 3;
    assert.ok(chi2 < limit, `chi-square ${chi2.toFixed(1)} on ${df} df, limit ${limit.toFixed(1)}`);
  });
}

test('multinomial: every draw sums to n, empty cells stay empty, each cell and pair of cells binomial', () => {
  const totals = Uint32Array.from([30_000, 0, 15_000, 4_000, 1, 999]);
  const n = totals.reduce((a, b) => a + b, 0);
  const variates = new Variates(new Mulberry32(5));
  const R = 10_000;
  const draws = new Uint32Array(totals.length);
  const cells = Array.from(totals, () => new Float64Array(R));
  const pair = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    variates.multinomial(totals, draws);
    assert.equal(
      draws.reduce((a, b) => a + b, 0),
      n,
    );
    assert.equal(draws[1], 0);
    draws.forEach((x, c) => (cells[c][r] = x));
    pair[r] = draws[0] + draws[3];
  }
  totals.forEach((m, c) => {
    if (m === 0) return;
    const p = m / n;
    assertMoments(cells[c], n * p, n * p * (1 - p), binomialMu4(n, p), `cell ${c}`);
  });
  // A sum of cells is binomial too; its variance checks the cells' negative covariance.
  const p = (totals[0] + totals[3]) / n;
  assertMoments(pair, n * p, n * p * (1 - p), binomialMu4(n, p), 'cells 0 + 3');
});

test('the same seed gives the same draws; another seed others', () => {
  const sequence = (seed: number) => {
    const variates = new Variates(new Mulberry32(seed));
    return Array.from({ length: 50 }, (_, i) => variates.binomial(1000 * (i + 1), 0.1 + i / 100));
  };
  assert.deepEqual(sequence(7), sequence(7));
  assert.notDeepEqual(sequence(7), sequence(8));
});

test('multinomial table draws only with DeLong AUROC intervals and from DELONG_FROM_IMAGES images', () => {
  assert.equal(tableDrawsFor('delong', DELONG_FROM_IMAGES), 'multinomial');
  assert.equal(tableDrawsFor('delong', DELONG_FROM_IMAGES - 1), 'images');
  assert.equal(tableDrawsFor('bootstrap', 100 * DELONG_FROM_IMAGES), 'images');
  assert.equal(tableDrawsFor(undefined, 100 * DELONG_FROM_IMAGES), 'images');
});

const CLASSES = ['a', 'b', 'c', 'd', 'e'];
/** Class shares and, per true class, where its predictions go: a fixed confusion structure. */
const PREVALENCE = [0.4, 0.25, 0.15, 0.15, 0.05];
const CONFUSION = [
  [0.8, 0.1, 0.05, 0.05, 0],
  [0.15, 0.7, 0.1, 0.05, 0],
  [0.1, 0.1, 0.6, 0.1, 0.1],
  [0.05, 0.05, 0.1, 0.75, 0.05],
  [0.1, 0, 0.2, 0.1, 0.6],
];

/** n images: labels by PREVALENCE, predictions by CONFUSION, scores a noisy one-hot of the prediction. */
function confusedSet(n: number, seed: number) {
  const random = mulberry32(seed);
  const pick = (shares: number[]) => {
    let u = random();
    for (let k = 0; k < shares.length - 1; k++) if ((u -= shares[k]) < 0) return k;
    return shares.length - 1;
  };
  const labels: string[] = [];
  const predicted: string[] = [];
  const scores: number[][] = [];
  for (let i = 0; i < n; i++) {
    const t = pick(PREVALENCE);
    const p = pick(CONFUSION[t]);
    labels.push(CLASSES[t]);
    predicted.push(CLASSES[p]);
    scores.push(CLASSES.map((_, c) => (c === p ? 1 : 0) + random()));
  }
  return { labels, predicted, scores };
}

/**
 * Two percentile bootstraps of the same statistic, each from B resamples, agree within Monte
 * Carlo error. The 2.5 % quantile of B draws has standard error √(q(1 − q)/B) / f(x_q); for a
 * near-normal statistic with bootstrap SD σ, f(x_q) = φ(1.96)/σ, so with B = 2,000 that is 0.060σ
 * per bound and 0.085σ for the difference of two independent bootstraps. The tolerance, 0.35σ,
 * is about four of those; σ is read from the image bootstrap's interval (width / 3.92). Both
 * estimates are the full sample's and must be equal.
 */
function assertSameInterval(multinomial: ConfidenceInterval, images: ConfidenceInterval, what: string) {
  assert.equal(multinomial.estimate, images.estimate, `${what}: estimate`);
  const sigma = (images.high - images.low) / 3.92;
  for (const bound of ['low', 'high'] as const) {
    const gap = Math.abs(multinomial[bound] - images[bound]) / sigma;
    assert.ok(gap < 0.35, `${what} ${bound}: ${multinomial[bound]} vs ${images[bound]} (${gap.toFixed(2)} σ)`);
  }
}

const RESAMPLES = 2000;

test('20,000 images: the multinomial intervals of accuracy, balanced accuracy and macro-F1 are the image bootstrap’s', () => {
  const { labels, predicted, scores } = confusedSet(20_000, 1);
  const cis = (tableDraws: TableDraws) =>
    classificationCIs(labels, predicted, scores, CLASSES, {
      seed: 4,
      resamples: RESAMPLES,
      auroc: 'delong',
      tableDraws,
    });
  const images = cis('images');
  const multinomial = cis('multinomial');
  for (const metric of ['accuracy', 'balancedAccuracy', 'macroF1'] as const) {
    assert.equal(images[metric].method, 'bootstrap');
    assert.equal(multinomial[metric].method, 'bootstrap-multinomial', `${metric} says how it was drawn`);
    assert.equal(multinomial[metric].valid, RESAMPLES);
    assertSameInterval(multinomial[metric], images[metric], metric);
  }
  // The AUROCs are DeLong's either way, untouched by the table draws.
  assert.deepEqual(multinomial.auroc, images.auroc);
  // Recomputed from the same predictions and seed: the same numbers, to the last digit.
  assert.deepEqual(cis('multinomial'), multinomial);
  const other = classificationCIs(labels, predicted, scores, CLASSES, {
    seed: 5,
    resamples: RESAMPLES,
    auroc: 'delong',
    tableDraws: 'multinomial',
  });
  assert.notEqual(other.accuracy.low, multinomial.accuracy.low, 'the seed drives the draws');
});

test('20,000 images: a paired difference of two predictions, multinomial against image draws', () => {
  const { labels, predicted } = confusedSet(20_000, 2);
  // A second "run" that fixes a tenth of the first one's errors and breaks a twentieth of its hits.
  const random = mulberry32(3);
  const k = CLASSES.length;
  const t = labels.map((l) => CLASSES.indexOf(l));
  const was = predicted.map((p) => CLASSES.indexOf(p));
  const is = was.map((p, i) => (p !== t[i] ? (random() < 0.1 ? t[i] : p) : random() < 0.05 ? (p + 1) % k : p));
  const cell = Uint32Array.from(t, (ti, i) => (ti * k + was[i]) * k + is[i]);
  const confusion = (counts: Uint32Array, run: 0 | 1) => {
    const table = new Uint32Array(k * k);
    for (let c = 0; c < counts.length; c++) {
      const truth = Math.floor(c / (k * k));
      table[truth * k + (run === 0 ? Math.floor(c / k) % k : c % k)] += counts[c];
    }
    return tableRows(table, k);
  };
  const paired = (tableDraws: TableDraws) =>
    pairedBootstrapMany(
      cell.length,
      (counts) => [
        [accuracyFromConfusion(confusion(counts, 0)), accuracyFromConfusion(confusion(counts, 1))],
        [macroF1FromConfusion(confusion(counts, 0)), macroF1FromConfusion(confusion(counts, 1))],
      ],
      { seed: 6, resamples: RESAMPLES, tableDraws },
      { of: cell, count: k * k * k },
    );
  const images = paired('images');
  const multinomial = paired('multinomial');
  images.forEach((d, m) => {
    const x = multinomial[m]!;
    assert.equal(x.method, 'bootstrap-multinomial');
    assertSameInterval(
      { estimate: x.difference, low: x.low, high: x.high, level: x.level, valid: x.valid },
      { estimate: d!.difference, low: d!.low, high: d!.high, level: d!.level, valid: d!.valid },
      m === 0 ? 'Δ accuracy' : 'Δ macro-F1',
    );
  });
});

test('statistics of the images themselves ignore the table draws; a bootstrapped AUROC refuses them', () => {
  const n = 300;
  const values = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
  const mean = (w: Uint32Array) => {
    let [sum, count] = [0, 0];
    for (let i = 0; i < n; i++) [sum, count] = [sum + w[i] * values[i], count + w[i]];
    return [sum / count];
  };
  assert.deepEqual(
    bootstrapVector(n, mean, { seed: 2, tableDraws: 'multinomial' }),
    bootstrapVector(n, mean, { seed: 2 }),
  );
  const { labels, predicted, scores } = confusedSet(50, 9);
  assert.throws(
    () => classificationCIs(labels, predicted, scores, CLASSES, { tableDraws: 'multinomial' }),
    /bootstrapped AUROC/,
  );
});

/** A stored single-label score run of `n` images with DeLong AUROC intervals: what compareRuns reads of it. */
function storedRun(n: number, startedAt: string, fixEvery?: number): StoredScore {
  const { labels, predicted, scores } = confusedSet(n, 11);
  // The later run gets every fixEvery-th image right.
  if (fixEvery) labels.forEach((label, i) => i % fixEvery === 0 && (predicted[i] = label));
  const metrics = classificationMetrics(labels, predicted, scores, CLASSES);
  const variant = {
    name: 'v',
    metrics,
    predictions: labels.map((label, i) => ({
      image: `img${i}`,
      label,
      predicted: predicted[i],
      scores: Object.fromEntries(CLASSES.map((c, k) => [c, scores[i][k]])),
    })),
    descriptors: {},
    similarity: [],
    columns: [],
  };
  const run = {
    startedAt,
    imageSetHash: 'same',
    model: 'm',
    modelFingerprint: 'f',
    aurocIntervals: 'delong',
    seed: 0,
  };
  return {
    name: 's',
    images: 'set',
    classes: CLASSES,
    method: 'embed-mean',
    variants: [variant],
    run,
  } as unknown as StoredScore;
}

test('"what changed" from DELONG_FROM_IMAGES images: multinomial cell counts, and its ciMethod says so', () => {
  for (const n of [DELONG_FROM_IMAGES - 1, DELONG_FROM_IMAGES]) {
    const before = storedRun(n, 'then');
    const now = storedRun(n, 'now', 7);
    const changes = compareRuns(before, now, 3);
    assert.equal(changes.sameImages, true);
    const multinomial = n >= DELONG_FROM_IMAGES;
    assert.equal(/multinomial/.test(changes.ciMethod), multinomial, changes.ciMethod);
    assert.match(changes.ciMethod, /mean AUROC by DeLong's paired test/);
    const accuracy = changes.variants[0].metrics.find((m) => m.metric === 'accuracy')!;
    assert.ok(accuracy.ci && accuracy.ci.low < accuracy.difference! && accuracy.difference! < accuracy.ci.high);
    assert.deepEqual(compareRuns(before, now, 3), changes, 'recomputed: the same numbers');
  }
});
