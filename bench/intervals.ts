// npm run bench:intervals -- [--images N,N,…] [--classes C] [--variants V]
// Prints one JSON object: per image count, the time the score step spends on statistics for V
// variants of C classes (each variant's CIs, and each later variant's paired AUROC comparison
// with the first), with AUROC intervals by the percentile bootstrap (1,000 resamples) and by
// DeLong's method. Accuracy, balanced accuracy and macro-F1 are bootstrapped in both, as the score
// step does, so `aurocOnly` isolates the part DeLong replaces. Synthetic scores rounded to 3
// decimals (ties, as float32 cosines have at 100k images); the cost does not depend on the values.
import * as os from 'node:os';
import { mulberry32 } from '../src/common/random';
import { classificationCIs, pairedAurocComparison, type BootstrapOptions } from '../src/metrics/bootstrap';
import { delongIntervals, pairedDelongComparison } from '../src/metrics/delong';
import type { IntervalMethod } from '../src/protocol/statistics';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
}

const sizes = option('images', '624,10000,100000').split(',').map(Number);
const classCount = Number(option('classes', '5'));
const variantCount = Number(option('variants', '2'));
const classes = Array.from({ length: classCount }, (_, c) => `class ${c}`);

function dataset(n: number) {
  const random = mulberry32(n);
  const labels = Array.from({ length: n }, () => classes[Math.floor(random() * classCount)]);
  const variants = Array.from({ length: variantCount }, (_, v) =>
    labels.map((l) => classes.map((c) => Math.round((random() + (c === l ? 0.3 + 0.1 * v : 0)) * 1000) / 1000)),
  );
  const predicted = variants.map((scores) => scores.map((row) => classes[row.indexOf(Math.max(...row))]));
  const positives = classes.map((c) => labels.map((l) => l === c));
  return { labels, variants, predicted, positives };
}

function timed(run: () => void): number {
  const start = performance.now();
  run();
  return Math.round(performance.now() - start);
}

const results = sizes.map((n) => {
  const d = dataset(n);
  const statistics = (auroc: IntervalMethod) => {
    const options: BootstrapOptions = { seed: 0, auroc };
    d.variants.forEach((scores, v) => classificationCIs(d.labels, d.predicted[v], scores, classes, options));
    for (let v = 1; v < variantCount; v++)
      pairedAurocComparison(d.positives, d.variants[0], d.variants[v], classes, options);
  };
  const aurocOnly = (auroc: IntervalMethod) => {
    for (const scores of d.variants) {
      if (auroc === 'delong') delongIntervals(d.positives, scores, classes, 0.95);
      else classificationCIs(d.labels, d.predicted[0], scores, classes, { seed: 0 });
    }
    for (let v = 1; v < variantCount; v++) {
      if (auroc === 'delong') pairedDelongComparison(d.positives, d.variants[0], d.variants[v], classes, 0.95);
      else pairedAurocComparison(d.positives, d.variants[0], d.variants[v], classes, { seed: 0 });
    }
  };
  const bootstrapMs = timed(() => statistics('bootstrap'));
  const delongMs = timed(() => statistics('delong'));
  const confusionOnlyMs = timed(() =>
    d.variants.forEach((scores, v) =>
      classificationCIs(d.labels, d.predicted[v], scores, classes, { seed: 0, auroc: 'delong' }),
    ),
  );
  const delongAurocMs = timed(() => aurocOnly('delong'));
  return {
    images: n,
    statisticsMs: { bootstrap: bootstrapMs, delong: delongMs, saved: bootstrapMs - delongMs },
    // The AUROC part alone: bootstrap = all statistics minus the confusion-matrix bootstrap.
    aurocOnlyMs: { bootstrap: bootstrapMs - confusionOnlyMs, delong: delongAurocMs },
    confusionBootstrapMs: confusionOnlyMs,
  };
});

console.log(
  JSON.stringify(
    {
      classes: classCount,
      variants: variantCount,
      resamples: 1000,
      cpus: os.cpus().length,
      loadAverage: os.loadavg()[0],
      results,
    },
    null,
    2,
  ),
);
