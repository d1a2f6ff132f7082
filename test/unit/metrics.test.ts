import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  auroc,
  classificationMetrics,
  confusionMatrix,
  multiLabelMetrics,
  prepareAuroc,
  weightedAuroc,
} from '../../src/metrics/classification';

const close = (actual: number | null, expected: number, eps = 1e-12) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < eps, `expected ${expected}, got ${actual}`);

test('AUROC counts a tie as one half', () => {
  // Positives 0.9, 0.5, 0.5; negatives 0.5, 0.2. Pairs: 0.9 beats both (2); each 0.5 ties one
  // negative and beats the other (1.5 each, 3 together): 5 of 6.
  close(auroc([true, true, true, false, false], [0.9, 0.5, 0.5, 0.5, 0.2]), 5 / 6);
  close(auroc([true, false, true, false], [1, 1, 1, 1]), 0.5);
  close(auroc([true, false], [0, 1]), 0);
});

test('AUROC is null without positives or without negatives', () => {
  assert.equal(auroc([false, false], [0.1, 0.2]), null);
  assert.equal(auroc([true, true], [0.1, 0.2]), null);
});

test('AUROC matches the pairwise definition on random scores with many ties', () => {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let round = 0; round < 20; round++) {
    const n = 50;
    const scores = Array.from({ length: n }, () => Math.floor(next() * 6) / 5);
    const isPositive = Array.from({ length: n }, () => next() < 0.4);
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (!isPositive[i] || isPositive[j]) continue;
        pairs++;
        wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
    }
    close(auroc(isPositive, scores), wins / pairs, 1e-12);
  }
});

test('weighted AUROC equals AUROC over the images repeated by their weights', () => {
  const scores = [0.1, 0.4, 0.4, 0.8];
  const isPositive = [false, true, false, true];
  const weights = [2, 0, 1, 3];
  const expanded = { s: [0.1, 0.1, 0.4, 0.8, 0.8, 0.8], p: [false, false, false, true, true, true] };
  close(weightedAuroc(prepareAuroc(isPositive, scores), weights), auroc(expanded.p, expanded.s)!);
});

// Five images, three classes, class c in no label.
//   image  label  scores (a, b, c)     predicted
//   1      a      0.9 0.1 0.0          a
//   2      a      0.6 0.3 0.1          a
//   3      a      0.3 0.3 0.4          c
//   4      b      0.3 0.6 0.1          b
//   5      b      0.2 0.7 0.1          b
const classes = ['a', 'b', 'c'];
const labels = ['a', 'a', 'a', 'b', 'b'];
const predicted = ['a', 'a', 'c', 'b', 'b'];
const scores = [
  [0.9, 0.1, 0.0],
  [0.6, 0.3, 0.1],
  [0.3, 0.3, 0.4],
  [0.3, 0.6, 0.1],
  [0.2, 0.7, 0.1],
];

test('confusion matrix rows are true classes, columns predictions', () => {
  assert.deepEqual(confusionMatrix(labels, predicted, classes), [
    [2, 0, 1],
    [0, 2, 0],
    [0, 0, 0],
  ]);
});

test('metrics with a class absent from the labels average over the present classes', () => {
  const m = classificationMetrics(labels, predicted, scores, classes);
  close(m.accuracy, 4 / 5);
  // Recall a = 2/3, recall b = 2/2; c has no images and is left out: (2/3 + 1) / 2.
  close(m.balancedAccuracy, 5 / 6);
  // F1 a = 2·2 / (3 + 2) = 0.8, F1 b = 2·2 / (2 + 2) = 1; c left out (counting it as 0 gives 0.6).
  close(m.macroF1, 0.9);
  // a: positives 0.9, 0.6, 0.3 vs negatives 0.3, 0.2 → 2 + 2 + 1.5 = 5.5 of 6.
  close(m.auroc.a, 5.5 / 6);
  close(m.auroc.b, 1);
  assert.equal(m.auroc.c, null);
});

test('balanced accuracy differs from accuracy on an imbalanced set', () => {
  // Always "pneumonia" on 5 pneumonia + 3 normal: accuracy 5/8, balanced accuracy 1/2.
  const l = [...Array(5).fill('pneumonia'), ...Array(3).fill('normal')];
  const p = Array(8).fill('pneumonia');
  const s = p.map(() => [0.2, 0.8]);
  const m = classificationMetrics(l, p, s, ['normal', 'pneumonia']);
  close(m.accuracy, 5 / 8);
  close(m.balancedAccuracy, 0.5);
  // F1 normal = 0; F1 pneumonia = 10 / (5 + 8).
  close(m.macroF1, (0 + 10 / 13) / 2);
  close(m.auroc.normal, 0.5);
});

test('an unknown label is an error that names it', () => {
  assert.throws(() => classificationMetrics(['x'], ['a'], [[1]], ['a']), /label "x" is not one of the classes/);
  assert.throws(() => classificationMetrics(['a', 'a'], ['a'], [[1]], ['a']), /lengths 2, 1, 1/);
});

test('multi-label metrics: per-class AUROC from 0/1 columns and thresholded accuracy', () => {
  const l = [
    [1, 0],
    [0, 1],
    [1, 1],
    [0, 0],
  ];
  const s = [
    [0.8, 0.2],
    [0.3, 0.9],
    [0.8, 0.4],
    [0.1, 0.4],
  ];
  const present = [
    [true, false],
    [false, true],
    [true, false],
    [false, false],
  ];
  const m = multiLabelMetrics(l, s, ['effusion', 'nodule'], present);
  close(m.auroc.effusion, 1);
  // nodule: positives 0.9, 0.4 vs negatives 0.2, 0.4 → 2 + 1.5 = 3.5 of 4.
  close(m.auroc.nodule, 0.875);
  close(m.meanAuroc, (1 + 0.875) / 2);
  close(m.thresholdedAccuracy.effusion, 1);
  close(m.thresholdedAccuracy.nodule, 3 / 4);
  assert.deepEqual(m.positives, { effusion: 2, nodule: 2 });
  const noDecision = multiLabelMetrics(l, s, ['effusion', 'nodule']);
  assert.deepEqual(noDecision.thresholdedAccuracy, { effusion: null, nodule: null });
});
