// DeLong's variance and covariance (src/metrics/delong.ts, Sun & Xu's midrank algorithm) against an
// independent numpy implementation of DeLong et al. 1988's O(m·n) definition
// (test/fixtures/delong_reference.py, Debian's python3-numpy), to 1e-9; also the paired test's
// z-based p-value and interval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { mulberry32, type Random } from '../../src/common/random';
import { aurocComponents, combinedVariance, pairedDelong } from '../../src/metrics/delong';

const PYTHON = '/usr/bin/python3';
const REFERENCE = path.join(__dirname, '../fixtures/delong_reference.py');
const TOLERANCE = 1e-9;

function numpySkipReason(): string | undefined {
  if (process.env.CI) return undefined;
  try {
    execFileSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return `${PYTHON} cannot import numpy (apt-get install python3-numpy); the DeLong reference test is skipped`;
  }
}

interface Job {
  positive: number[];
  scores: number[][];
  level: number;
}

interface Reference {
  auroc: number[];
  covariance: number[][];
  difference: number;
  p: number;
  low: number;
  high: number;
}

/** Two correlated variants; `decimals` rounds the scores so that ties occur within and across classes. */
function job(random: Random, n: number, prevalence: number, decimals: number): Job {
  const positive = Array.from({ length: n }, () => (random() < prevalence ? 1 : 0));
  const round = (x: number) => Math.round(x * 10 ** decimals) / 10 ** decimals;
  const first = positive.map((p) => round(random() + 0.4 * p));
  const second = first.map((x, i) => round(0.6 * x + 0.5 * random() + 0.1 * positive[i]));
  return { positive, scores: [first, second], level: 0.95 };
}

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= TOLERANCE, `${what}: ${actual} vs numpy ${expected}`);

test('DeLong variance, covariance and paired test equal the numpy reference', { skip: numpySkipReason() }, () => {
  const random = mulberry32(2014);
  const jobs = [
    job(random, 40, 0.5, 1), // heavy ties
    job(random, 300, 0.2, 2),
    job(random, 1200, 0.35, 3),
    job(random, 2500, 0.1, 6), // nearly no ties, few positives
  ];
  const refs = JSON.parse(
    execFileSync(PYTHON, [REFERENCE], { input: JSON.stringify(jobs), maxBuffer: 64 << 20 }).toString(),
  ) as Reference[];
  jobs.forEach((j, k) => {
    const ref = refs[k];
    const isPositive = j.positive.map((p) => p === 1);
    const [a, b] = j.scores.map((s) => aurocComponents(isPositive, s)!);
    close(a.auroc, ref.auroc[0], `job ${k} AUROC 1`);
    close(b.auroc, ref.auroc[1], `job ${k} AUROC 2`);
    close(combinedVariance([{ weight: 1, components: a }]), ref.covariance[0][0], `job ${k} variance 1`);
    close(combinedVariance([{ weight: 1, components: b }]), ref.covariance[1][1], `job ${k} variance 2`);
    // Cov(A, B) = (Var(A + B) − Var(A) − Var(B)) / 2
    const sum = combinedVariance([
      { weight: 1, components: a },
      { weight: 1, components: b },
    ]);
    close((sum - ref.covariance[0][0] - ref.covariance[1][1]) / 2, ref.covariance[0][1], `job ${k} covariance`);
    const paired = pairedDelong([[a, b]], j.level)!;
    assert.equal(paired.method, 'delong');
    close(paired.difference, ref.difference, `job ${k} difference`);
    close(paired.low, ref.low, `job ${k} low`);
    close(paired.high, ref.high, `job ${k} high`);
    assert.ok(
      Math.abs(paired.p - ref.p) <= TOLERANCE * Math.max(1, ref.p),
      `job ${k} p: ${paired.p} vs numpy ${ref.p}`,
    );
  });
});
