// Data-efficient classification on frozen embeddings (docs/methods.md, "Few-shot"; ELIXR, ViP):
// draw k labelled images per class from a training pool, fit a multinomial logistic regression,
// score the test images, repeat with other draws, and compare with the zero-shot result.
//
// Features are standardised with the whole pool's statistics (labels unused): centred per
// column, divided by one overall spread, so that L2's C means the same for 64 or 512 dimensions
// and descriptor weights stay comparable with each other.
//   linear-probe        image embedding (normalised)
//   descriptor-weights  cosine with every descriptor of every class (ViP's learned merge)
//   zero-shot-init      the probe's features, started from and regularised towards the zero-shot
//                       classifier (class logit = T · mean descriptor direction), bias included
import { throwIfCancelled } from '../common/errors';
import { deriveSeed, mulberry32, shuffleInPlace, type Random } from '../common/random';
import { quantile } from '../metrics/bootstrap';
import { argmax, classificationMetrics } from '../metrics/classification';
import type { FewshotMethod, FewshotMetrics, FewshotPoint, FewshotResult, RepeatSummary } from '../protocol/fewshot';
import { fitLogistic, logitsOf, type LogisticModel } from './logistic';
import { dot } from './vectors';

/** Shots as a count per class, or a percentage of each class's pool. */
export type ShotSetting = { label: string; count: number } | { label: string; percent: number };

export interface FewshotSplit {
  /** Class index per image. */
  labels: number[];
  /** Normalised image embeddings. */
  embeddings: readonly ArrayLike<number>[];
  /** cos(image, descriptor k) per image, columns as `FewshotInput.columns`. */
  similarities: readonly ArrayLike<number>[];
}

export interface FewshotInput {
  classes: string[];
  pool: FewshotSplit;
  test: FewshotSplit;
  /** The descriptor of each similarity column and the class it belongs to (index). */
  columns: { class: number; text: string }[];
  /** Per class, the mean of its descriptors' normalised text embeddings (the zero-shot direction). */
  classDirections: readonly ArrayLike<number>[];
  shots: ShotSetting[];
  methods: FewshotMethod[];
  repeats: number;
  C: number;
  /** zero-shot-init's C: its pull towards the zero-shot classifier (smaller stays closer). */
  cInit: number;
  seed: number;
}

export interface CurveProgress {
  signal?: AbortSignal;
  /** After every fit; the caller's chance to show progress. */
  onFit?(done: number, total: number): void;
}

export type FewshotCurve = Pick<FewshotResult, 'points' | 'zeroShot' | 'descriptorWeights'>;

/** Per class, how many images a setting draws from a pool with `available` images of each class. */
export function shotsPerClass(setting: ShotSetting, available: number[]): number[] {
  return available.map((n) =>
    'count' in setting ? Math.min(setting.count, n) : Math.min(n, Math.max(1, Math.round((setting.percent / 100) * n))),
  );
}

/** A seeded split of every class into a training pool and a test part (`testFraction` of it, at least one). */
export function stratifiedSplit(labels: number[], classes: number, testFraction: number, seed: number) {
  const random = mulberry32(deriveSeed(seed, 'fewshot-split'));
  const pool: number[] = [];
  const test: number[] = [];
  for (let c = 0; c < classes; c++) {
    const members = shuffleInPlace(
      labels.flatMap((l, i) => (l === c ? [i] : [])),
      random,
    );
    const nTest = Math.min(members.length - 1, Math.max(1, Math.round(testFraction * members.length)));
    test.push(...members.slice(0, nTest));
    pool.push(...members.slice(nTest));
  }
  return { pool: pool.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}

/**
 * The learning curve. Yields to the event loop after every fit, so the extension host stays
 * responsive (each fit takes milliseconds to a few hundred on thousands of images) and an
 * interrupt takes effect between fits.
 */
export async function learningCurve(input: FewshotInput, progress: CurveProgress = {}): Promise<FewshotCurve> {
  const K = input.classes.length;
  const testLabels = input.test.labels.map((c) => input.classes[c]);
  const zeroShot = metricsOf(
    testLabels,
    input.test.similarities.map((row) => meanPerClass(row, input.columns, K)),
    input.classes,
  );
  const probe = standardiser(input.pool.embeddings);
  const symptoms = standardiser(input.pool.similarities);
  const features = {
    pool: { probe: input.pool.embeddings.map(probe.apply), symptoms: input.pool.similarities.map(symptoms.apply) },
    test: { probe: input.test.embeddings.map(probe.apply), symptoms: input.test.similarities.map(symptoms.apply) },
  };
  const byClass = Array.from({ length: K }, (_, c) => input.pool.labels.flatMap((l, i) => (l === c ? [i] : [])));
  const available = byClass.map((m) => m.length);

  const points: FewshotPoint[] = [];
  const weightSums = new Map<string, { sum: number[][]; n: number }>();
  const total = input.shots.length * input.repeats * input.methods.length;
  let done = 0;
  for (const setting of input.shots) {
    const perClass = shotsPerClass(setting, available);
    const runs = new Map<FewshotMethod, { metrics: FewshotMetrics[]; converged: number }>(
      input.methods.map((m) => [m, { metrics: [], converged: 0 }]),
    );
    for (let repeat = 0; repeat < input.repeats; repeat++) {
      const random = mulberry32(deriveSeed(input.seed, 'fewshot-shots', setting.label, String(repeat)));
      const chosen = drawShots(byClass, perClass, random);
      const y = chosen.map((i) => input.pool.labels[i]);
      for (const method of input.methods) {
        throwIfCancelled(progress.signal);
        const model = fit(method, chosen, y, features.pool, probe, input);
        const test = method === 'descriptor-weights' ? features.test.symptoms : features.test.probe;
        const run = runs.get(method)!;
        run.metrics.push(metricsOf(testLabels, logitsOf(model, test), input.classes));
        if (model.converged) run.converged++;
        if (method === 'descriptor-weights') addWeights(weightSums, setting.label, model);
        progress.onFit?.(++done, total);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    for (const [method, run] of runs) {
      const aurocs = run.metrics.map((m) => m.macroAuroc);
      points.push({
        method,
        shots: setting.label,
        perClass,
        accuracy: summarise(run.metrics.map((m) => m.accuracy)),
        balancedAccuracy: summarise(run.metrics.map((m) => m.balancedAccuracy)),
        macroAuroc: aurocs.every((a): a is number => a !== null) ? summarise(aurocs) : null,
        converged: run.converged,
      });
    }
  }
  const last = input.shots[input.shots.length - 1]?.label;
  const weights = last !== undefined ? weightSums.get(last) : undefined;
  return {
    points,
    zeroShot,
    descriptorWeights: weights
      ? {
          shots: last!,
          descriptors: input.columns.map((c) => ({ class: input.classes[c.class], text: c.text })),
          weights: weights.sum.map((row) => row.map((w) => round4(w / weights.n))),
        }
      : null,
  };
}

function fit(
  method: FewshotMethod,
  chosen: number[],
  y: number[],
  pool: { probe: Float64Array[]; symptoms: Float64Array[] },
  probe: Standardiser,
  input: FewshotInput,
): LogisticModel {
  const K = input.classes.length;
  if (method === 'descriptor-weights')
    return fitLogistic(
      chosen.map((i) => pool.symptoms[i]),
      y,
      K,
      { C: input.C },
    );
  const x = chosen.map((i) => pool.probe[i]);
  if (method === 'linear-probe') return fitLogistic(x, y, K, { C: input.C });
  // The zero-shot classifier x̂ · t_c, rewritten for standardised features z = (x̂ − μ) / σ:
  // logit_c = T σ t_c · z + T μ · t_c, at the temperature T that fits the shots best.
  const temperature = fitTemperature(
    chosen.map((i) => input.pool.embeddings[i]),
    y,
    input.classDirections,
  );
  const weights = input.classDirections.map((t) => Array.from(t, (v) => temperature * probe.spread * v));
  const bias = input.classDirections.map((t) => temperature * dot(probe.centre, t));
  return fitLogistic(x, y, K, { C: input.cInit, prior: { weights, bias }, penalizeBias: true });
}

/**
 * The temperature T (1 to 100, CLIP's range) that minimises the cross-entropy of the zero-shot
 * logits T · x̂ · t_c on the shots: golden-section search over log T (the loss is convex in T).
 */
export function fitTemperature(x: readonly ArrayLike<number>[], y: number[], directions: readonly ArrayLike<number>[]) {
  const cosines = x.map((xi) => directions.map((t) => dot(xi, t)));
  const loss = (logT: number) => {
    const T = Math.exp(logT);
    let sum = 0;
    cosines.forEach((row, i) => {
      const z = row.map((c) => T * c);
      const max = Math.max(...z);
      sum += max + Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0)) - z[y[i]];
    });
    return sum;
  };
  let a = 0;
  let b = Math.log(100);
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 60; i++) {
    const c = b - g * (b - a);
    const d = a + g * (b - a);
    if (loss(c) < loss(d)) b = d;
    else a = c;
  }
  return Math.exp((a + b) / 2);
}

interface Standardiser {
  centre: Float64Array;
  spread: number;
  apply(row: ArrayLike<number>): Float64Array;
}

/** Centre each column on the pool's mean and divide by the pool's overall RMS deviation. */
function standardiser(rows: readonly ArrayLike<number>[]): Standardiser {
  const d = rows[0]?.length ?? 0;
  const centre = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) centre[j] += r[j] / rows.length;
  let sq = 0;
  for (const r of rows) for (let j = 0; j < d; j++) sq += (r[j] - centre[j]) ** 2;
  const spread = Math.sqrt(sq / Math.max(1, rows.length * d)) || 1;
  return {
    centre,
    spread,
    apply: (row) => {
      const out = new Float64Array(d);
      for (let j = 0; j < d; j++) out[j] = (row[j] - centre[j]) / spread;
      return out;
    },
  };
}

function drawShots(byClass: number[][], perClass: number[], random: Random): number[] {
  return byClass.flatMap((members, c) => shuffleInPlace([...members], random).slice(0, perClass[c]));
}

function meanPerClass(row: ArrayLike<number>, columns: FewshotInput['columns'], K: number): number[] {
  const sum = new Array<number>(K).fill(0);
  const count = new Array<number>(K).fill(0);
  columns.forEach((col, k) => {
    sum[col.class] += row[k];
    count[col.class]++;
  });
  return sum.map((s, c) => (count[c] ? s / count[c] : -Infinity));
}

function metricsOf(names: string[], scores: number[][], classes: string[]): FewshotMetrics {
  const predicted = scores.map((row) => classes[argmax(row)]);
  const m = classificationMetrics(names, predicted, scores, classes);
  const aurocs = Object.values(m.auroc).filter((a): a is number => a !== null);
  return {
    accuracy: m.accuracy,
    balancedAccuracy: m.balancedAccuracy,
    macroAuroc: aurocs.length ? aurocs.reduce((a, b) => a + b, 0) / aurocs.length : null,
  };
}

function summarise(values: number[]): RepeatSummary {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = values.length > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1)) : 0;
  const sorted = Float64Array.from(values).sort();
  return {
    mean: round4(mean),
    sd: round4(sd),
    low: round4(quantile(sorted, 0.025)),
    high: round4(quantile(sorted, 0.975)),
    values: values.map(round4),
  };
}

function addWeights(sums: Map<string, { sum: number[][]; n: number }>, label: string, model: LogisticModel): void {
  const entry = sums.get(label) ?? { sum: model.weights.map((w) => new Array<number>(w.length).fill(0)), n: 0 };
  model.weights.forEach((w, c) => w.forEach((v, k) => (entry.sum[c][k] += v)));
  entry.n++;
  sums.set(label, entry);
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
