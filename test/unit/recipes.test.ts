import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averageScores, planTexts, predictClasses, scoreImages } from '../../src/scoring/recipes';
import type { DescriptorSet } from '../../src/protocol/dataset';

const EPS = 1e-6; // text embeddings are normalised into float32
const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < EPS, `expected ${expected}, got ${actual}`);
const closeRows = (actual: number[][], expected: number[][]) => {
  assert.equal(actual.length, expected.length);
  actual.forEach((row, i) => {
    assert.equal(row.length, expected[i].length);
    row.forEach((v, j) => close(v, expected[i][j]));
  });
};

function set(classes: Record<string, string[]>, extra: Partial<DescriptorSet> = {}): DescriptorSet {
  return { name: 'v1', classes, hash: 'h', source: 'descriptors', ...extra };
}

// Two classes in 2-D. The three sentences sit at 0°, 90° and 53.13°:
//   t1 "normal, which has clear lungs"          (1, 0)
//   t2 "normal, which has sharp angles"         (0, 1)
//   t3 "pneumonia, which has air bronchograms"  (0.6, 0.8)
// Image x = (3, 4) (normalised: (0.6, 0.8)): cos = 0.6, 0.8, 1.
// Image y = (1, 0):                           cos = 1, 0, 0.6.
const v1 = set({ normal: ['clear lungs', 'sharp angles'], pneumonia: ['air bronchograms'] });
const embeddings = new Map<string, number[]>([
  ['normal, which has clear lungs', [2, 0]], // unnormalised on purpose
  ['normal, which has sharp angles', [0, 1]],
  ['pneumonia, which has air bronchograms', [0.6, 0.8]],
]);
const images = [new Float32Array([3, 4]), [1, 0]];

test('planTexts lists the exact sentences, in class order of the run', () => {
  const plan = planTexts(v1, 'mean', { classes: ['pneumonia', 'normal'] });
  assert.deepEqual(plan.classes, ['pneumonia', 'normal']);
  assert.deepEqual(plan.texts, [
    'pneumonia, which has air bronchograms',
    'normal, which has clear lungs',
    'normal, which has sharp angles',
  ]);
  assert.throws(() => planTexts(v1, 'mean', { classes: ['normal', 'effusion'] }), /no entry for class "effusion"/);
  assert.throws(() => planTexts(v1, 'median' as never), /Unknown scoring method "median"/);
});

test('mean: average cosine over the class descriptors', () => {
  const r = scoreImages(planTexts(v1, 'mean'), images, embeddings);
  // x: normal (0.6 + 0.8) / 2 = 0.7, pneumonia 1.   y: normal (1 + 0) / 2 = 0.5, pneumonia 0.6.
  closeRows(r.scores, [
    [0.7, 1],
    [0.5, 0.6],
  ]);
  assert.deepEqual(predictClasses(r.scores, ['normal', 'pneumonia']), ['pneumonia', 'pneumonia']);
  assert.deepEqual(r.columns, [
    { class: 'normal', text: 'clear lungs' },
    { class: 'normal', text: 'sharp angles' },
    { class: 'pneumonia', text: 'air bronchograms' },
  ]);
  closeRows(r.similarity, [
    [0.6, 0.8, 1],
    [1, 0, 0.6],
  ]);
  assert.equal(r.present, undefined);
});

test('max: best descriptor per class', () => {
  const r = scoreImages(planTexts(v1, 'max'), images, embeddings);
  // x: normal max(0.6, 0.8) = 0.8, pneumonia 1.   y: normal 1, pneumonia 0.6 → y flips to normal.
  closeRows(r.scores, [
    [0.8, 1],
    [1, 0.6],
  ]);
  assert.deepEqual(predictClasses(r.scores, ['normal', 'pneumonia']), ['pneumonia', 'normal']);
});

test('embed-mean: cosine with the normalised mean of the normalised descriptor embeddings', () => {
  const r = scoreImages(planTexts(v1, 'embed-mean'), images, embeddings);
  // normal's vector: normalise((1,0) + (0,1)) = (1/√2, 1/√2).
  // x: 0.6/√2 + 0.8/√2 = 1.4/√2 ≈ 0.98995; y: 1/√2 ≈ 0.70711. pneumonia as before.
  closeRows(r.scores, [
    [1.4 / Math.SQRT2, 1],
    [1 / Math.SQRT2, 0.6],
  ]);
  // The per-descriptor evidence is the same cosines as for mean.
  closeRows(r.similarity, [
    [0.6, 0.8, 1],
    [1, 0, 0.6],
  ]);
});

test('a class without descriptors is scored by its class-name text', () => {
  const names = set({ normal: [], pneumonia: [] }, { templateClass: 'a chest x-ray showing {class}' });
  const plan = planTexts(names, 'mean');
  assert.deepEqual(plan.texts, ['a chest x-ray showing normal', 'a chest x-ray showing pneumonia']);
  const r = scoreImages(plan, [[1, 1]], (t) => (t.endsWith('normal') ? [1, 0] : [0, 3]));
  closeRows(r.scores, [[1 / Math.SQRT2, 1 / Math.SQRT2]]);
  assert.deepEqual(r.columns, [
    { class: 'normal', text: 'a chest x-ray showing normal' },
    { class: 'pneumonia', text: 'a chest x-ray showing pneumonia' },
  ]);
});

test('chexzero: softmax of raw cosines with the class text and "no {class}"', () => {
  const names = set({ pneumonia: [] });
  const plan = planTexts(names, 'chexzero');
  assert.deepEqual(plan.texts, ['pneumonia', 'no pneumonia']);
  // x = (0.6, 0.8): cos⁺ = 0.6 with (1, 0), cos⁻ = 0.8 with (0, 1);
  // p = e^0.6 / (e^0.6 + e^0.8) = 1 / (1 + e^0.2) ≈ 0.450166.
  const r = scoreImages(
    plan,
    [[0.6, 0.8]],
    new Map([
      ['pneumonia', [1, 0]],
      ['no pneumonia', [0, 1]],
    ]),
  );
  closeRows(r.scores, [[0.45016600268752216]]);
  assert.deepEqual(r.present, [[false]]);
});

test('chexzero and pos-neg: several positive texts are averaged as embeddings first; negatives from the set', () => {
  const withNegatives = set(
    { pneumonia: ['consolidation', 'air bronchograms'] },
    { template: '{descriptor}', negatives: { pneumonia: ['clear lungs'] } },
  );
  const e = new Map([
    ['consolidation', [1, 0]],
    ['air bronchograms', [0, 1]],
    ['clear lungs', [-1, 0]],
  ]);
  // Positive vector normalise((1,0) + (0,1)) = (1/√2, 1/√2); negative (−1, 0).
  // x = (0.6, 0.8): cos⁺ = 1.4/√2 ≈ 0.989949, cos⁻ = −0.6.
  const chex = scoreImages(planTexts(withNegatives, 'chexzero'), [[0.6, 0.8]], e);
  // p = 1 / (1 + e^(−0.6 − 0.989949)) ≈ 0.830609.
  closeRows(chex.scores, [[0.8306089970593798]]);
  assert.deepEqual(chex.present, [[true]]);
  closeRows(chex.similarity, [[0.6, 0.8]]);
  const posNeg = scoreImages(planTexts(withNegatives, 'pos-neg'), [[0.6, 0.8]], e);
  // 0.989949 − (−0.6) ≈ 1.589949.
  closeRows(posNeg.scores, [[1.4 / Math.SQRT2 + 0.6]]);
  assert.deepEqual(posNeg.present, [[true]]);
});

test('negatives default to "no {class}" inside the class template', () => {
  const plan = planTexts(set({ pneumonia: [] }, { templateClass: 'a chest x-ray showing {class}' }), 'pos-neg');
  assert.deepEqual(plan.perClass[0].negatives, ['a chest x-ray showing no pneumonia']);
});

test('xplainer: per-descriptor softmax at temperature 0.5, geometric means, and "no finding"', () => {
  const s = set({ effusion: ['blunted angles', 'meniscus'], 'No Finding': [] });
  const plan = planTexts(s, 'xplainer');
  assert.equal(plan.noFindingClass, 'No Finding');
  assert.deepEqual(
    plan.perClass[0].columns.map((c) => [c.text, c.negative]),
    [
      ['There are blunted angles', 'There are no blunted angles'],
      ['There are meniscus', 'There are no meniscus'],
    ],
  );
  const e = new Map([
    ['There are blunted angles', [1, 0]],
    ['There are no blunted angles', [0, 1]],
    ['There are meniscus', [0.6, 0.8]],
    ['There are no meniscus', [0.8, 0.6]],
  ]);
  // Image (1, 0):
  //   blunted angles: cos⁺ 1, cos⁻ 0   → p⁺ = σ((1 − 0)/0.5) = σ(2) ≈ 0.880797, p⁻ ≈ 0.119203
  //   meniscus:       cos⁺ 0.6, cos⁻ 0.8 → p⁺ = σ(−0.4) ≈ 0.401312, p⁻ ≈ 0.598688
  //   P = √(0.880797 · 0.401312) ≈ 0.594537 > P̄ = √(0.119203 · 0.598688) ≈ 0.267143 → present.
  //   no finding = 1 − 0.594537 ≈ 0.405463, absent because effusion is present.
  const r = scoreImages(plan, [[1, 0]], (t) => e.get(t) ?? [0, 1]);
  closeRows(r.scores, [[0.5945374137339206, 0.40546258626607945]]);
  assert.deepEqual(r.present, [[true, false]]);
});

test('averageScores averages class scores over seeded runs and votes on presence', () => {
  const a = { scores: [[0.2, 0.6]], columns: [], similarity: [[]], present: [[true, false]] };
  const b = { scores: [[0.4, 0.2]], columns: [], similarity: [[]], present: [[false, false]] };
  const c = { scores: [[0.6, 0.4]], columns: [], similarity: [[]], present: [[true, true]] };
  const avg = averageScores([a, b, c]);
  closeRows(avg.scores, [[0.4, 0.4]]);
  assert.deepEqual(avg.present, [[true, false]]);
});

test('mismatched or missing embeddings are named', () => {
  assert.throws(
    () => scoreImages(planTexts(v1, 'mean'), [[1, 0, 0]], embeddings),
    /Image 1 has a 3-dimensional embedding/,
  );
  assert.throws(
    () => scoreImages(planTexts(v1, 'mean'), images, new Map()),
    /No embedding for the text "normal, which has clear lungs"/,
  );
});
