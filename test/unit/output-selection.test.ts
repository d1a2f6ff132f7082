// A score output's selections of a few rows out of every image (the paged output's rows and its
// failures kept, the failures with inline thumbnails) take the first rows of each list without
// sorting the whole list: they choose the same images in the same order as sorting everything,
// which the oracles below still do, on random sets with tied and undefined margins, single- and
// multi-label.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstSorted } from '../../src/common/firstSorted';
import { MAX_INLINE_THUMBNAILS, thumbnailImages } from '../../src/kernel/steps/failureThumbnails';
import { sameClasses } from '../../src/protocol/classes';
import { labelMargin } from '../../src/protocol/margin';
import type { Prediction, ScoreResult, VariantResult } from '../../src/protocol/results';
import { listRows, ROWS_PAGE } from '../../src/protocol/rowOrder';
import { FLIPPED_SHOWN, pagedScore, perImageBytes } from '../../src/scoring/pagedScore';
import { mulberry32 } from '../../src/common/random';
import { rowMargins } from '../../src/scoring/margins';

const CLASSES = ['a', 'b', 'c', 'd'];

/** A variant of n random predictions, scores on a coarse grid (many ties); some labels are no class (no margin). */
function variant(name: string, n: number, random: () => number, multiLabel: boolean): VariantResult {
  const predictions: Prediction[] = Array.from({ length: n }, (_, i) => {
    const scores = Object.fromEntries(CLASSES.map((c) => [c, Math.round(random() * 20) / 20]));
    const top = CLASSES.reduce((x, y) => (scores[x] >= scores[y] ? x : y));
    if (multiLabel) {
      const label = CLASSES.filter(() => random() < 0.3);
      const predicted = CLASSES.filter((c) => scores[c] > 0.6);
      return { image: `img${i}`, label, predicted, scores };
    }
    const label = random() < 0.05 ? 'unknown' : CLASSES[Math.floor(random() * CLASSES.length)];
    return { image: `img${i}`, label, predicted: random() < 0.3 ? label : top, scores };
  });
  return {
    name,
    metrics: {} as VariantResult['metrics'],
    predictions,
    descriptors: {},
    similarity: predictions.map(() => [Math.round(random() * 1e4) / 1e4]),
    columns: [{ class: 'a', text: 'a' }],
  };
}

function score(n: number, seed: number, multiLabel: boolean, variants = 3): ScoreResult {
  const random = mulberry32(seed);
  const vs = Array.from({ length: variants }, (_, k) => variant(`v${k}`, n, random, multiLabel));
  const flips = (k: number) =>
    Array.from({ length: 30 }, (_, j) => ({ image: `img${(j * 37 + k * 11) % n}` })) as never[];
  return {
    name: 's',
    classes: CLASSES,
    multiLabel,
    variants: vs,
    changes: { variants: vs.map((_, k) => ({ flipped: flips(k) })) },
  } as unknown as ScoreResult;
}

/** The paged output's selection as it was computed before: every failure listed, then cut. */
function pagedOracle(s: ScoreResult, maxShown: number) {
  const n = s.variants[0].predictions.length;
  const rowBytes = perImageBytes(s) / n;
  const limit = Math.min(n, maxShown, Math.max(Math.min(ROWS_PAGE, maxShown), Math.floor(300_000 / rowBytes)));
  const indexOf = new Map(s.variants[0].predictions.map((p, i) => [p.image, i]));
  const wanted = new Set<number>();
  const add = (i: number | undefined) => i !== undefined && wanted.size < limit && wanted.add(i);
  for (const v of s.changes?.variants ?? [])
    for (const f of v.flipped.slice(0, FLIPPED_SHOWN)) add(indexOf.get(f.image));
  const failures = s.variants.map((v) =>
    listRows(
      v.predictions.map((prediction, index) => ({
        prediction,
        margin: labelMargin(prediction.label, prediction.scores, s.classes),
        index,
      })),
      undefined,
      s.multiLabel === true,
    ),
  );
  for (let rank = 0; rank < ROWS_PAGE; rank++) for (const f of failures) add(f[rank]?.index);
  for (let i = 0; i < n && wanted.size < limit; i++) add(i);
  return {
    indices: [...wanted].sort((a, b) => a - b),
    failures: failures.map((f) => f.length),
    failuresKept: failures.map((f) => {
      const at = f.findIndex((r) => !wanted.has(r.index));
      return at < 0 ? f.length : at;
    }),
  };
}

/** The inline thumbnails' images as they were chosen before: every failure sorted by margin. */
function thumbnailOracle(variants: VariantResult[], flipped: string[]): string[] {
  const margin = (p: Prediction) => labelMargin(p.label, p.scores, Object.keys(p.scores)) || 0;
  const queues = variants.map((v) =>
    v.predictions
      .filter((p) => !sameClasses(p.predicted, p.label))
      .map((p) => ({ image: p.image, margin: margin(p) }))
      .sort((a, b) => a.margin - b.margin)
      .map((p) => p.image),
  );
  const wanted = new Set<string>(flipped.slice(0, FLIPPED_SHOWN));
  for (let rank = 0; wanted.size < MAX_INLINE_THUMBNAILS && queues.some((q) => rank < q.length); rank++)
    for (const q of queues) if (rank < q.length && wanted.size < MAX_INLINE_THUMBNAILS) wanted.add(q[rank]);
  return [...wanted];
}

test('firstSorted: the first k of a full sort, for every k', () => {
  const random = mulberry32(7);
  for (const n of [0, 1, 5, 100, 2000]) {
    const items = Array.from({ length: n }, (_, i) => ({ key: Math.floor(random() * 10), i }));
    const order = (a: (typeof items)[number], b: (typeof items)[number]) => a.key - b.key || a.i - b.i;
    const sorted = [...items].sort(order);
    for (const k of [0, 1, 3, 60, 501, n, n + 5]) assert.deepEqual(firstSorted(items, k, order), sorted.slice(0, k));
  }
  // Input already in order, and in reverse: the heap's worst cases.
  const up = Array.from({ length: 1000 }, (_, i) => i);
  assert.deepEqual(
    firstSorted(up, 10, (a, b) => a - b),
    up.slice(0, 10),
  );
  assert.deepEqual(
    firstSorted([...up].reverse(), 10, (a, b) => a - b),
    up.slice(0, 10),
  );
});

for (const multiLabel of [false, true]) {
  test(`a paged output keeps the rows and counts that sorting every failure gave (${multiLabel ? 'multi' : 'single'}-label)`, () => {
    for (const [n, seed, maxShown] of [
      [3000, 1, 500],
      [3000, 2, 20],
      [400, 3, 500],
      [50, 4, 500],
    ]) {
      const s = score(n, seed, multiLabel);
      const { perImage } = pagedScore(s, '0123456789abcdef', maxShown);
      const want = pagedOracle(s, maxShown);
      assert.deepEqual(perImage!.indices, want.indices, `indices, ${n} images, seed ${seed}`);
      assert.deepEqual(perImage!.failures, want.failures);
      assert.deepEqual(perImage!.failuresKept, want.failuresKept);
    }
  });

  test(`the inline thumbnails are the images that sorting every failure chose, in its order (${multiLabel ? 'multi' : 'single'}-label)`, () => {
    for (const [n, seed, variants] of [
      [3000, 5, 3],
      [3000, 6, 1],
      [30, 7, 2],
    ]) {
      const s = score(n, seed, multiLabel, variants);
      for (const flipped of [[], ['img3', 'img1', 'img3'], Array.from({ length: 50 }, (_, i) => `img${i * 7}`)]) {
        const got = [...thumbnailImages(s.variants, flipped)];
        assert.deepEqual(got, thumbnailOracle(s.variants, flipped), `${n} images, seed ${seed}`);
        assert.ok(got.length <= MAX_INLINE_THUMBNAILS);
      }
    }
  });
}

test('the thumbnails draw a variant further when its images repeat', () => {
  const s = score(200, 8, false, 1);
  // Every failure twice: the queue's first MAX_INLINE_THUMBNAILS hold only half as many images.
  const v = s.variants[0];
  const doubled = { ...v, predictions: v.predictions.flatMap((p) => [p, { ...p }]) };
  const got = [...thumbnailImages([doubled], [])];
  assert.equal(got.length, MAX_INLINE_THUMBNAILS);
  assert.deepEqual(got, thumbnailOracle([doubled], []));
});

test('rowMargins gives labelMargin’s value for every row', () => {
  const random = mulberry32(9);
  const values = [0.25, -0, 0, NaN, 0.5, -1, 1e-9];
  const predictions: Prediction[] = Array.from({ length: 5000 }, (_, i) => {
    const scores: Record<string, number> = {};
    for (const c of CLASSES) if (random() < 0.9) scores[c] = values[Math.floor(random() * values.length)];
    const label =
      i % 5 === 0 ? CLASSES.filter(() => random() < 0.5) : i % 7 === 0 ? 'unknown' : CLASSES[i % CLASSES.length];
    return { image: `img${i}`, label, predicted: CLASSES[0], scores };
  });
  const margins = rowMargins(predictions, CLASSES);
  predictions.forEach((p, i) => assert.ok(Object.is(margins[i], labelMargin(p.label, p.scores, CLASSES)), `row ${i}`));
  assert.equal(rowMargins(predictions, CLASSES), margins, 'computed once per list');
  assert.notEqual(rowMargins(predictions, [...CLASSES].reverse()), margins, 'and per class order');
});
