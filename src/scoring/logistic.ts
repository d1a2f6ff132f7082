// Multinomial logistic regression with an L2 penalty, fitted by L-BFGS: the learner of the
// fewshot step (linear probe, descriptor weights, zero-shot-initialised probe). Its objective is
// scikit-learn's for `LogisticRegression(C=C, solver='lbfgs')` with more than two classes,
//
//   C · Σ_i −log softmax(W x_i + b)[y_i]  +  ½ ‖W − W₀‖²   (+ ½ ‖b − b₀‖² when the bias is penalised)
//
// with W₀ = 0 and a free bias for the plain probe. Divided by C·n here (the same minimiser), so
// the tolerance means the same for 5 or 5,000 images. The problem is strictly convex, so any
// solver that converges finds the same weights: test/unit/logistic.test.ts checks the
// predictions against scikit-learn's.

export interface LogisticOptions {
  /** Inverse regularisation strength, scikit-learn's C. */
  C: number;
  /** Start from and regularise towards these weights (K rows of d) and biases; default zero. */
  prior?: { weights: ArrayLike<number>[]; bias?: ArrayLike<number> };
  /** Regularise the bias towards the prior's too (scikit-learn leaves it free). */
  penalizeBias?: boolean;
  maxIterations?: number;
  /** Stop when every gradient component of the scaled objective is below this. */
  tolerance?: number;
}

export interface LogisticModel {
  /** K rows of d weights. */
  weights: Float64Array[];
  bias: Float64Array;
  iterations: number;
  converged: boolean;
}

const HISTORY = 10;

export function fitLogistic(
  x: readonly ArrayLike<number>[],
  y: readonly number[],
  classes: number,
  options: LogisticOptions,
): LogisticModel {
  const n = x.length;
  const d = x[0]?.length ?? 0;
  const K = classes;
  if (n === 0 || y.length !== n) throw new Error(`Need one label per sample: ${y.length} labels for ${n} samples`);
  if (!(options.C > 0)) throw new Error(`C must be positive, not ${options.C}`);
  y.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c >= K) throw new Error(`Label ${c} of sample ${i} is not a class index`);
  });
  const size = K * d + K;
  const prior = new Float64Array(size);
  options.prior?.weights.forEach((row, k) => prior.set(Array.from(row), k * d));
  if (options.prior?.bias) prior.set(Array.from(options.prior.bias), K * d);
  const lambda = 1 / (options.C * n);
  const penalised = options.penalizeBias ? size : K * d;
  const rows = x.map((r) => Float64Array.from(r));
  const logits = new Float64Array(K);

  const evaluate = (theta: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const xi = rows[i];
      let max = -Infinity;
      for (let k = 0; k < K; k++) {
        let z = theta[K * d + k];
        const o = k * d;
        for (let j = 0; j < d; j++) z += theta[o + j] * xi[j];
        logits[k] = z;
        if (z > max) max = z;
      }
      let sum = 0;
      for (let k = 0; k < K; k++) sum += Math.exp(logits[k] - max);
      const logSum = max + Math.log(sum);
      loss += logSum - logits[y[i]];
      for (let k = 0; k < K; k++) {
        const r = (Math.exp(logits[k] - logSum) - (k === y[i] ? 1 : 0)) / n;
        const o = k * d;
        for (let j = 0; j < d; j++) grad[o + j] += r * xi[j];
        grad[K * d + k] += r;
      }
    }
    loss /= n;
    for (let p = 0; p < penalised; p++) {
      const delta = theta[p] - prior[p];
      loss += 0.5 * lambda * delta * delta;
      grad[p] += lambda * delta;
    }
    return loss;
  };

  const theta = Float64Array.from(prior);
  const grad = new Float64Array(size);
  let f = evaluate(theta, grad);
  const tolerance = options.tolerance ?? 1e-9;
  const maxIterations = options.maxIterations ?? 2000;
  const s: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  const rho: number[] = [];
  const direction = new Float64Array(size);
  const trial = new Float64Array(size);
  const trialGrad = new Float64Array(size);
  const alpha = new Float64Array(HISTORY);
  let iterations = 0;
  let converged = maxAbs(grad) <= tolerance;
  while (!converged && iterations < maxIterations) {
    iterations++;
    // Two-loop recursion: direction = −H·grad with the last HISTORY curvature pairs.
    for (let p = 0; p < size; p++) direction[p] = -grad[p];
    for (let m = s.length - 1; m >= 0; m--) {
      alpha[m] = rho[m] * dot(s[m], direction);
      axpy(-alpha[m], yHist[m], direction);
    }
    if (s.length > 0) {
      const last = s.length - 1;
      scale(direction, dot(s[last], yHist[last]) / dot(yHist[last], yHist[last]));
    } else scale(direction, 1 / Math.max(1, Math.sqrt(dot(grad, grad))));
    for (let m = 0; m < s.length; m++) {
      const beta = rho[m] * dot(yHist[m], direction);
      axpy(alpha[m] - beta, s[m], direction);
    }
    let slope = dot(grad, direction);
    if (!(slope < 0)) {
      // Not a descent direction (lost curvature): restart from steepest descent.
      s.length = yHist.length = rho.length = 0;
      for (let p = 0; p < size; p++) direction[p] = -grad[p];
      slope = dot(grad, direction);
    }
    // Backtracking line search with the Armijo condition.
    let step = 1;
    let fTrial = Infinity;
    for (let tries = 0; tries < 60; tries++) {
      for (let p = 0; p < size; p++) trial[p] = theta[p] + step * direction[p];
      fTrial = evaluate(trial, trialGrad);
      if (fTrial <= f + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(fTrial <= f)) break; // no progress possible at double precision
    const sNew = new Float64Array(size);
    const yNew = new Float64Array(size);
    for (let p = 0; p < size; p++) {
      sNew[p] = trial[p] - theta[p];
      yNew[p] = trialGrad[p] - grad[p];
    }
    const curvature = dot(sNew, yNew);
    if (curvature > 1e-12) {
      if (s.length === HISTORY) {
        s.shift();
        yHist.shift();
        rho.shift();
      }
      s.push(sNew);
      yHist.push(yNew);
      rho.push(1 / curvature);
    }
    const improvement = f - fTrial;
    theta.set(trial);
    grad.set(trialGrad);
    f = fTrial;
    converged = maxAbs(grad) <= tolerance || improvement <= 1e-16 * Math.max(1, Math.abs(f));
  }
  return {
    weights: Array.from({ length: K }, (_, k) => theta.slice(k * d, (k + 1) * d)),
    bias: theta.slice(K * d),
    iterations,
    converged,
  };
}

/** Class logits W x + b of each sample. */
export function logitsOf(model: LogisticModel, x: readonly ArrayLike<number>[]): number[][] {
  return x.map((xi) =>
    model.weights.map((w, k) => {
      let z = model.bias[k];
      for (let j = 0; j < w.length; j++) z += w[j] * xi[j];
      return z;
    }),
  );
}

/** Softmax probabilities per sample. */
export function predictProbabilities(model: LogisticModel, x: readonly ArrayLike<number>[]): number[][] {
  return logitsOf(model, x).map((z) => {
    const max = Math.max(...z);
    const e = z.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  });
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += a * x[i];
}

function scale(x: Float64Array, a: number): void {
  for (let i = 0; i < x.length; i++) x[i] *= a;
}

function maxAbs(x: Float64Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
}
