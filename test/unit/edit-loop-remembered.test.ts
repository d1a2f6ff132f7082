// What the edit loop remembers between runs (class score columns, saved scores, per-column AUROC
// and gap) gives, after a one-descriptor edit, the very numbers a run with every memory cleared
// gives, and those are the numbers of the plain row-by-row computations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../src/common/random';
import { auroc, classificationMetrics, multiLabelMetrics } from '../../src/metrics/classification';
import { float32Decimal } from '../../src/metrics/float32';
import { rememberedAuroc } from '../../src/metrics/rememberedAuroc';
import type { DescriptorSet } from '../../src/protocol/dataset';
import { forgetCosines } from '../../src/scoring/cosines';
import { descriptorImportance, headlineMetric, meanGap, type Truth } from '../../src/scoring/importance';
import { planTexts, predictClasses, RECIPES, scoreImages, type RecipeName } from '../../src/scoring/recipes';
import { forgetSavedColumns } from '../../src/scoring/savedColumns';
import { savedScores } from '../../src/scoring/savedScores';

// More images than the radix sort's threshold, so that AUROCs take the path large sets take.
const N = 2500;
const DIMS = 8;
const classes = ['no finding', 'a', 'b', 'c'];
const random = mulberry32(21);
const vector = () => Float32Array.from({ length: DIMS }, () => random() - 0.5);
// Every fifth image repeats an earlier one, so that scores tie within a column.
const images: Float32Array[] = [];
for (let i = 0; i < N; i++) images.push(i % 5 === 4 ? images[i - 3] : vector());
const texts = new Map<string, Float32Array>();
const embed = (t: string) => texts.get(t) ?? texts.set(t, vector()).get(t)!;

/** The descriptor set before (edit 0) and after an edit of a's first descriptor. */
function descriptors(edit: number): DescriptorSet {
  return {
    name: 'd',
    hash: `h${edit}`,
    source: 'descriptors',
    template: '{descriptor}', // the embedded text is the descriptor itself, whatever its class
    // b without b1 scores as c, b without b2 as "no finding" (a class of its own but in
    // xplainer): leave-one-out predictions tie with a later and an earlier class.
    classes: {
      'no finding': ['b1'],
      a: [edit ? `a1 (edit ${edit})` : 'a1', 'a2', 'a3'],
      b: ['b1', 'b2'],
      c: ['b2'],
    },
  };
}

const single: Truth = { multiLabel: false, labels: images.map((_, i) => classes[(i * 7) % 4]) };
const multi: Truth = {
  multiLabel: true,
  labels: images.map((_, i) => classes.map((__, k) => ((i >> k) & 1) ^ (i % 3 === 0 ? 1 : 0))),
};

/** Importance after an edit against a run with memory cleared and against the plain computation. */
function importanceAgrees(method: RecipeName, truth: Truth): void {
  const input = (edit: number) => ({
    set: descriptors(edit),
    method,
    classes,
    images,
    textEmbeddings: embed,
    truth,
  });
  forgetCosines();
  descriptorImportance(input(0));
  const remembered = descriptorImportance(input(1));
  forgetCosines();
  const fresh = descriptorImportance(input(1));
  const what = `${method}, ${truth.multiLabel ? 'multi' : 'single'}-label`;
  assert.deepEqual(remembered, fresh, what);

  // The plain way: score rows, headline metric, AUROC and gap of each cosine column.
  const set = descriptors(1);
  const full = scoreImages(planTexts(set, method, { classes }), images, embed);
  assert.equal(remembered.full, headlineMetric(full.scores, classes, truth), what);
  let column = 0;
  classes.forEach((cls, k) => {
    const positive = images.map((_, i) => (truth.multiLabel ? truth.labels[i][k] === 1 : truth.labels[i] === cls));
    set.classes[cls].forEach((_, j) => {
      const row = remembered.descriptors[column];
      const sims = full.similarity.map((r) => r[column]);
      assert.equal(row.auroc, auroc(positive, sims), `${what}: AUROC ${cls} ${j}`);
      assert.equal(row.gap, meanGap(positive, sims), `${what}: gap ${cls} ${j}`);
      if (set.classes[cls].length < 2) assert.equal(row.leaveOneOut, null);
      else {
        const without = { ...set, classes: { ...set.classes, [cls]: set.classes[cls].filter((__, d) => d !== j) } };
        const rescored = scoreImages(planTexts(without, method, { classes }), images, embed);
        const expected = headlineMetric(rescored.scores, classes, truth)! - remembered.full!;
        assert.equal(row.leaveOneOut, expected, `${what}: leave-one-out ${cls} ${j}`);
      }
      column++;
    });
  });
}

test('importance after an edit equals importance with every memory cleared, and the plain computation', () => {
  for (const method of RECIPES) {
    importanceAgrees(method, single);
    importanceAgrees(method, multi);
  }
  forgetCosines();
});

test('saved scores after an edit equal fresh ones and the plain float32Decimal of every score', () => {
  for (const method of RECIPES) {
    const plans = (edit: number) => [planTexts(descriptors(edit), method, { classes })];
    forgetCosines();
    forgetSavedColumns();
    savedScores(plans(0), images, embed);
    const remembered = savedScores(plans(1), images, embed);
    forgetCosines();
    forgetSavedColumns();
    const fresh = savedScores(plans(1), images, embed);
    assert.deepEqual(remembered, fresh, method);

    const plain = scoreImages(plans(1)[0], images, embed);
    assert.deepEqual(
      remembered.scores,
      plain.scores.map((row) => row.map(float32Decimal)),
      method,
    );
    assert.deepEqual(
      remembered.similarity,
      plain.similarity.map((row) => row.map((x) => Math.round(x * 1e4) / 1e4)),
      method,
    );
    assert.deepEqual(remembered.present, plain.present, method);

    // Metrics with AUROCs remembered by the saved columns equal those from the rows.
    const aurocOf = (c: number, positive: Uint8Array) => rememberedAuroc(positive, remembered.byClass[c]);
    const labels: readonly string[] = single.multiLabel ? [] : single.labels;
    const predicted = predictClasses(remembered.scores, classes);
    assert.deepEqual(
      classificationMetrics(labels, predicted, remembered.scores, classes, aurocOf),
      classificationMetrics(labels, predicted, remembered.scores, classes),
    );
    const rows: readonly (readonly number[])[] = multi.multiLabel ? multi.labels : [];
    assert.deepEqual(
      multiLabelMetrics(rows, remembered.scores, classes, remembered.present, aurocOf),
      multiLabelMetrics(rows, remembered.scores, classes, remembered.present),
    );
  }
  forgetCosines();
  forgetSavedColumns();
});
