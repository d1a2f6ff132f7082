// The edit loop's shortcuts give the numbers the plain computations give: the shortest float32
// decimal without trying every digit count, the radix order against a comparison sort, the
// remembered per-resample AUROCs against a bootstrap of their own, and remembered cosines
// against a fresh scoring.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../src/common/random';
import { ascendingOrder } from '../../src/metrics/argsort';
import { aurocStatistic, bootstrapVector, classificationCIs, percentileInterval } from '../../src/metrics/bootstrap';
import { resampledAurocs } from '../../src/metrics/aurocResamples';
import { float32Decimal } from '../../src/metrics/float32';
import { forgetCosines } from '../../src/scoring/cosines';
import { planTexts, scoreImages } from '../../src/scoring/recipes';

/** Every digit count from one up, as float32Decimal did before it skipped any. */
function shortestByScan(x: number): number {
  if (!Number.isFinite(x)) return x;
  const single = Math.fround(x);
  for (let digits = 1; digits < 9; digits++) {
    const decimal = Number(single.toPrecision(digits));
    if (Math.fround(decimal) === single) return decimal;
  }
  return Number(single.toPrecision(9));
}

test('float32Decimal equals the digit-by-digit scan on random bit patterns, scores and edge values', () => {
  const random = mulberry32(5);
  const bits = new Uint32Array(1);
  const single = new Float32Array(bits.buffer);
  const values: number[] = [0, -0, 1, -1, 0.5, 0.1, 1e-45, 3.4028234663852886e38, 2 ** -126, 2 ** -149, 1e10, 123456];
  for (let i = 0; i < 200_000; i++) {
    bits[0] = Math.floor(random() * 2 ** 32);
    values.push(single[0], random() * 2 - 1, Math.round(random() * 1e6) / 1e6);
  }
  for (let e = -45; e <= 38; e++) values.push(10 ** e, -(10 ** e), Math.fround(10 ** e), 2 ** Math.max(-149, e * 3));
  for (const x of values) assert.ok(Object.is(float32Decimal(x), shortestByScan(x)), `${x}`);
});

test('ascendingOrder sorts like a comparison sort, ties and signs included', () => {
  const random = mulberry32(9);
  for (const n of [10, 3000, 20_000]) {
    for (const draw of [
      () => random() * 2 - 1,
      () => Math.round(random() * 20) / 10 - 1,
      () => (random() < 0.5 ? 0 : random() < 0.5 ? -0 : random() - 0.5),
      () => (random() - 0.5) * 1e300,
    ]) {
      const scores = Float64Array.from({ length: n }, draw);
      const order = ascendingOrder(scores);
      const expected = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
      assert.deepEqual(
        Array.from(order, (i) => scores[i] + 0),
        Array.from(expected, (i) => scores[i] + 0),
      );
      assert.equal(new Set(order).size, n);
    }
  }
});

test('remembered per-resample AUROCs are those of a bootstrap of their own, and classificationCIs uses them', () => {
  const random = mulberry32(3);
  const n = 300;
  const positive = Array.from({ length: n }, () => random() < 0.3);
  const scores = Array.from({ length: n }, (_, i) => Math.round((random() + (positive[i] ? 0.3 : 0)) * 50) / 50);
  const [r] = resampledAurocs([{ positive, scores }], 11, 200);
  const statistic = aurocStatistic(positive, scores);
  const draws: number[] = [];
  bootstrapVector(
    n,
    (w) => {
      draws.push(statistic(w) ?? NaN);
      return [0];
    },
    { seed: 11, resamples: 200 },
  );
  assert.equal(r.estimate, draws[0]);
  assert.deepEqual(Array.from(r.draws), draws.slice(1));

  const labels = positive.map((p) => (p ? 'a' : 'b'));
  const rows = scores.map((s) => [s, 1 - s]);
  const ci = classificationCIs(labels, labels, rows, ['a', 'b'], { seed: 11, resamples: 200 }).auroc.a;
  assert.deepEqual(ci, percentileInterval(draws[0], draws.slice(1), 0.95));
});

test('scoring with remembered cosines gives the fresh numbers, also after an edit', () => {
  forgetCosines();
  const random = mulberry32(4);
  const unit = () => Float32Array.from({ length: 16 }, () => random() - 0.5);
  const images = Array.from({ length: 50 }, unit);
  const texts = new Map<string, Float32Array>();
  const set = (first: string) => ({
    name: 'd',
    hash: first,
    source: 'descriptors' as const,
    classes: { a: [first, 'two'], b: ['three', 'four', 'five'] },
  });
  const embed = (t: string) => texts.get(t) ?? texts.set(t, unit()).get(t)!;
  for (const method of ['mean', 'max', 'embed-mean', 'chexzero', 'xplainer'] as const) {
    for (const first of ['one', 'one edited']) {
      const plan = planTexts(set(first), method, { classes: ['a', 'b'] });
      const remembered = scoreImages(plan, images, embed, { remember: true });
      const again = scoreImages(plan, images, embed, { remember: true });
      const fresh = scoreImages(plan, images, embed);
      assert.deepEqual(remembered, fresh, method);
      assert.deepEqual(again, fresh, method);
    }
  }
  forgetCosines();
});
