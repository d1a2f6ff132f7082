// Descriptor importance on cases small enough to compute by hand (the numbers in the comments),
// and the leave-one-out shortcut (only the changed class is rescored) against a full rescoring.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { descriptorImportance, headlineMetric, type Truth } from '../../src/scoring/importance';
import { planTexts, scoreImages, RECIPES } from '../../src/scoring/recipes';
import type { DescriptorSet } from '../../src/protocol/dataset';

const close = (actual: number | null, expected: number, what: string) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-6, `${what}: expected ${expected}, got ${actual}`);

const set = (classes: Record<string, string[]>, extra: Partial<DescriptorSet> = {}): DescriptorSet => ({
  name: 'v1',
  classes,
  template: '{descriptor}', // the embedded text is the descriptor itself
  hash: 'h',
  source: 'descriptors',
  ...extra,
});

// Four descriptors along the axes of R⁴; four unit images, so each cosine is one coordinate:
//            a1   a2   b1   b2    mean a  mean b   label
//   x1      .8   .6   0    0      .7     0        a   (right)
//   x2      0    .6   .8   0      .3     .4       a   (wrong: b)
//   x3      .6   0    0    .8     .3     .4       b   (right)
//   x4      0    0    .6   .8     0      .7       b   (right)
const axes = new Map<string, number[]>([
  ['a1', [1, 0, 0, 0]],
  ['a2', [0, 1, 0, 0]],
  ['b1', [0, 0, 1, 0]],
  ['b2', [0, 0, 0, 1]],
]);
const images = [
  [0.8, 0.6, 0, 0],
  [0, 0.6, 0.8, 0],
  [0.6, 0, 0, 0.8],
  [0, 0, 0.6, 0.8],
];
const two = set({ a: ['a1', 'a2'], b: ['b1', 'b2'] });
const single: Truth = { multiLabel: false, labels: ['a', 'a', 'b', 'b'] };
/** Importance on the four images above, `mean` recipe and single labels unless given. */
const onAxes = (over: Partial<Parameters<typeof descriptorImportance>[0]> = {}) =>
  descriptorImportance({
    set: two,
    method: 'mean',
    classes: ['a', 'b'],
    images,
    textEmbeddings: axes,
    truth: single,
    ...over,
  });

test('single-label, mean: AUROC alone, mean gap and leave-one-out change of balanced accuracy', () => {
  const r = onAxes();
  assert.equal(r.metric, 'balancedAccuracy');
  close(r.full, 0.75, 'full balanced accuracy (recall a 1/2, recall b 1)');
  assert.deepEqual(
    r.descriptors.map((d) => `${d.class}:${d.descriptor}`),
    ['a:a1', 'a:a2', 'b:b1', 'b:b2'],
  );
  const [a1, a2, b1, b2] = r.descriptors;
  // a1 on a's images .8, 0 vs the others .6, 0: wins 1 + 1 + 0 + ½ of 4 pairs.
  close(a1.auroc, 2.5 / 4, 'AUROC a1');
  close(a2.auroc, 1, 'AUROC a2 (.6, .6 vs 0, 0)');
  // b1 on b's images 0, .6 vs .8, 0: ½ + 0 + 1 + 0.
  close(b1.auroc, 1.5 / 4, 'AUROC b1');
  close(b2.auroc, 1, 'AUROC b2');
  close(a1.gap, 0.4 - 0.3, 'gap a1');
  close(a2.gap, 0.6, 'gap a2');
  close(b1.gap, 0.3 - 0.4, 'gap b1');
  close(b2.gap, 0.8, 'gap b2');
  // Without a1, a = a2: every image right (1.0). Without a2, a = a1: x2 and x3 wrong (0.5).
  close(a1.leaveOneOut, 1 - 0.75, 'LOO a1');
  close(a2.leaveOneOut, 0.5 - 0.75, 'LOO a2');
  // Without b1, b = b2: all right. Without b2, b = b1: x2 → b, x3 → a, both wrong.
  close(b1.leaveOneOut, 1 - 0.75, 'LOO b1');
  close(b2.leaveOneOut, 0.5 - 0.75, 'LOO b2');
});

test('multi-label: leave-one-out changes mean AUROC', () => {
  // Labels: x1 {a}, x2 {a, b}, x3 {b}, x4 {}. Mean scores as above.
  // AUROC a: .7, .3 vs .3, 0 → (1 + 1 + ½ + 1) / 4 = .875; AUROC b: .4, .4 vs 0, .7 → 2 / 4 = .5.
  // Without b2, b's score is b1: .8, 0 vs 0, .6 → 2.5 / 4 = .625, so the mean rises by .0625.
  const truth: Truth = {
    multiLabel: true,
    labels: [
      [1, 0],
      [1, 1],
      [0, 1],
      [0, 0],
    ],
  };
  const r = onAxes({ truth });
  assert.equal(r.metric, 'meanAuroc');
  close(r.full, (0.875 + 0.5) / 2, 'full mean AUROC');
  const b1 = r.descriptors[2];
  const b2 = r.descriptors[3];
  close(b2.leaveOneOut, (0.875 + 0.625) / 2 - 0.6875, 'LOO b2');
  close(b1.auroc, 0.625, 'AUROC b1 for b');
  close(b1.gap, 0.4 - 0.3, 'gap b1 (.8, 0 vs 0, .6)');
});

test("a class's only text has no leave-one-out change; a class without descriptors is scored by its name", () => {
  const embeddings = new Map([...axes, ['b', [0, 0, 1, 0]]]);
  const r = onAxes({
    set: set({ a: ['a1', 'a2'], b: [] }, { templateClass: '{class}' }),
    method: 'max',
    textEmbeddings: embeddings,
  });
  assert.deepEqual(
    r.descriptors.map((d) => d.descriptor),
    ['a1', 'a2', 'b'],
  );
  assert.equal(r.descriptors[2].leaveOneOut, null);
  close(r.descriptors[2].auroc, 1.5 / 4, 'AUROC of the name text b (the b1 axis)');
  assert.notEqual(r.descriptors[0].leaveOneOut, null);
  const sole = onAxes({ set: set({ a: ['a1'], b: ['b1', 'b2'] }) });
  assert.equal(sole.descriptors[0].leaveOneOut, null);
  assert.equal(sole.descriptors.length, 3);
});

test('every recipe: rescoring only the changed class equals rescoring the whole set without the descriptor', () => {
  // Oblique texts and images so that every recipe (incl. chexzero's and pos-neg's negatives and
  // xplainer's "no finding" class) produces distinct scores.
  const classes = ['no finding', 'a', 'b'];
  const dims = 5;
  let state = 7;
  const random = () => ((state = (state * 48271) % 2147483647) / 2147483647) * 2 - 1;
  const vector = () => Array.from({ length: dims }, random);
  const descriptors = { 'no finding': ['clear', 'sharp'], a: ['a1', 'a2', 'a3'], b: ['b1', 'b2'] };
  const pictures = Array.from({ length: 12 }, vector);
  const truth: Truth = { multiLabel: false, labels: pictures.map((_, i) => classes[i % 3]) };
  let changed = 0;
  for (const method of RECIPES) {
    const s = set(descriptors, { template: undefined });
    const texts = new Map<string, number[]>();
    const embed = (t: string) => {
      if (!texts.has(t)) texts.set(t, vector());
      return texts.get(t)!;
    };
    const r = descriptorImportance({ set: s, method, classes, images: pictures, textEmbeddings: embed, truth });
    let column = 0;
    for (const cls of classes) {
      descriptors[cls as keyof typeof descriptors].forEach((_, j) => {
        const without = { ...s, classes: { ...s.classes, [cls]: s.classes[cls].filter((__, d) => d !== j) } };
        const rescored = scoreImages(planTexts(without, method, { classes }), pictures, embed);
        const expected = headlineMetric(rescored.scores, classes, truth)! - r.full!;
        close(r.descriptors[column].leaveOneOut, expected, `${method}, ${cls} without descriptor ${j}`);
        if (Math.abs(expected) > 1e-9) changed++;
        column++;
      });
    }
  }
  // The case must move the metric, or the comparison above would prove nothing.
  assert.ok(changed >= 10, `only ${changed} leave-one-out changes were non-zero`);
});
