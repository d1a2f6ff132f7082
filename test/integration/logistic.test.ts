// The few-shot learner against scikit-learn: on the same features and C, the predictions of our
// L-BFGS multinomial logistic regression agree with Debian's python3-sklearn LogisticRegression
// (lbfgs) on at least 99 % of the test images, on the demo model's features and on a harder,
// overlapping synthetic problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { mulberry32 } from '../../src/common/random';
import { fitLogistic, predictProbabilities } from '../../src/scoring/logistic';
import { demoKernel } from '../helpers/demoKernel';

const PYTHON = '/usr/bin/python3';
const REFERENCE = path.join(__dirname, '../fixtures/sklearn_logistic.py');
const MIN_AGREEMENT = 0.99;

function sklearnSkipReason(): string | undefined {
  if (process.env.CI) return undefined;
  try {
    execFileSync(PYTHON, ['-c', 'import sklearn'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return `${PYTHON} cannot import sklearn (apt-get install python3-sklearn); the agreement test is skipped`;
  }
}

interface Reference {
  predicted: number[];
  probabilities: number[][];
  classes: number[];
  version: string;
}

interface Job {
  C: number;
  train: number[][];
  labels: number[];
  test: number[][];
  classes: number;
}

/** Fits every job with our solver and with scikit-learn (one Python process for all of them). */
function compare(jobs: Job[]) {
  const refs = JSON.parse(
    execFileSync(PYTHON, [REFERENCE], {
      input: JSON.stringify(jobs.map(({ classes: _c, ...job }) => job)),
      maxBuffer: 64 << 20,
    }).toString(),
  ) as Reference[];
  return jobs.map((job, j) => {
    const ref = refs[j];
    assert.deepEqual(ref.classes, [...Array(job.classes).keys()], 'every class is in the training labels');
    const ours = predictProbabilities(fitLogistic(job.train, job.labels, job.classes, { C: job.C }), job.test);
    const predicted = ours.map((p) => p.indexOf(Math.max(...p)));
    const agreement = predicted.filter((c, i) => c === ref.predicted[i]).length / job.test.length;
    let maxDiff = 0;
    ours.forEach((p, i) => p.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - ref.probabilities[i][k])))));
    return { C: job.C, agreement, maxDiff, version: ref.version };
  });
}

/** Overlapping Gaussian-ish clusters: some test points sit near the decision boundaries. */
function clusters(seed: number, classes: number, dims: number, perClass: number, spread: number) {
  const random = mulberry32(seed);
  const centres = Array.from({ length: classes }, () => Array.from({ length: dims }, () => random() - 0.5));
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < perClass * classes; i++) {
    const c = i % classes;
    rows.push(centres[c].map((v) => v + spread * (random() + random() + random() - 1.5)));
    labels.push(c);
  }
  return { rows, labels };
}

test('agrees with scikit-learn on overlapping synthetic classes', { skip: sklearnSkipReason() }, () => {
  const train = clusters(11, 4, 32, 6, 1.2);
  const held = clusters(11, 4, 32, 100, 1.2);
  // Same centres (same seed), fresh points for testing: the first 24 rows are the training ones.
  const testRows = held.rows.slice(24);
  const testLabels = held.labels.slice(24);
  const results = compare(
    [0.05, 1, 20].map((C) => ({ C, train: train.rows, labels: train.labels, test: testRows, classes: 4 })),
  );
  for (const { C, agreement, maxDiff, version } of results) {
    console.log(
      `synthetic, C ${C}: agreement ${agreement.toFixed(4)}, max probability difference ${maxDiff.toExponential(1)} (scikit-learn ${version})`,
    );
    assert.ok(agreement >= MIN_AGREEMENT, `C ${C}: ${agreement}`);
    assert.ok(maxDiff < 1e-3, `C ${C}: probabilities differ by ${maxDiff}`);
  }
  // Not a trivial problem: the classes overlap enough that the fit gets some test points wrong.
  const model = fitLogistic(train.rows, train.labels, 4, { C: 1 });
  const p = predictProbabilities(model, testRows).map((q) => q.indexOf(Math.max(...q)));
  const accuracy = p.filter((c, i) => c === testLabels[i]).length / testRows.length;
  assert.ok(accuracy > 0.4 && accuracy < 0.98, `accuracy ${accuracy}`);
});

test(
  "agrees with scikit-learn on the demo model's embeddings and descriptor similarities",
  { skip: sklearnSkipReason() },
  async (t) => {
    const { kernel } = await demoKernel(t);
    const set = kernel.session.imageSets.get('held-out')!;
    const model = kernel.session.models.get('demo')!.model;
    const normalise = (v: Float32Array) => {
      const n = Math.hypot(...v);
      return Array.from(v, (x) => x / n);
    };
    const embeddings = (await model.encodeImages(set.entries.map((e) => ({ path: e.path })))).map(normalise);
    const texts = (
      await model.encodeTexts([
        'enlarged heart shadow',
        'fluid meniscus at the lung base',
        'round opacity',
        'visible pleural line',
        'clear lung fields',
      ])
    ).map(normalise);
    const similarities = embeddings.map((x) => texts.map((t) => x.reduce((s, v, j) => s + v * t[j], 0)));
    const labels = set.entries.map((e) => set.classes.indexOf(e.label!));
    // Two shots per class for training (the first two of each class), every other image for testing.
    const seen = new Map<number, number>();
    const isTrain = labels.map((c) => {
      const n = seen.get(c) ?? 0;
      seen.set(c, n + 1);
      return n < 2;
    });
    const features = [
      ['embeddings', embeddings],
      ['descriptor similarities', similarities],
    ] as const;
    const jobs = features.flatMap(([, rows]) =>
      [1, 100].map((C) => ({
        C,
        train: rows.filter((_, i) => isTrain[i]),
        labels: labels.filter((_, i) => isTrain[i]),
        test: rows.filter((_, i) => !isTrain[i]),
        classes: set.classes.length,
      })),
    );
    for (const [j, { C, agreement, maxDiff }] of compare(jobs).entries()) {
      const what = features[Math.floor(j / 2)][0];
      console.log(
        `demo ${what}, C ${C}: agreement ${agreement.toFixed(4)} on ${jobs[j].test.length} test images, max probability difference ${maxDiff.toExponential(1)}`,
      );
      assert.ok(agreement >= MIN_AGREEMENT, `${what}, C ${C}: ${agreement}`);
    }
  },
);

test('a tiny C keeps the fit at its prior; bad input is refused', () => {
  const x = [
    [1, 0],
    [0, 1],
    [1, 1],
  ];
  const prior = {
    weights: [
      [2, -1],
      [-1, 2],
    ],
    bias: [0.5, -0.5],
  };
  const held = fitLogistic(x, [1, 0, 1], 2, { C: 1e-8, prior, penalizeBias: true });
  held.weights.forEach((w, k) => w.forEach((v, j) => assert.ok(Math.abs(v - prior.weights[k][j]) < 1e-5)));
  held.bias.forEach((b, k) => assert.ok(Math.abs(b - prior.bias[k]) < 1e-5));
  // A free bias moves even when the weights are held.
  const free = fitLogistic(x, [1, 1, 1], 2, { C: 1e-8, prior });
  assert.ok(free.bias[1] - free.bias[0] > 1, 'the bias follows the labels');
  assert.ok(free.converged);
  assert.throws(() => fitLogistic(x, [0, 1], 2, { C: 1 }), /one label per sample/);
  assert.throws(() => fitLogistic(x, [0, 1, 2], 2, { C: 1 }), /Label 2 of sample 2/);
  assert.throws(() => fitLogistic(x, [0, 1, 1], 2, { C: 0 }), /C must be positive/);
});
