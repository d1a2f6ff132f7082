// A bootstrap resample's draws per table cell at once (docs/methods.md, "Statistics"). Drawing n
// images with replacement from n, where m_c of them lie in cell c, puts Multinomial(n, m_c / n)
// draws in the cells: the counts a statistic of the table sees. Drawing those counts directly,
// as conditional binomials over the cells, gives resamples with exactly that distribution at a
// cost that grows with log n per cell instead of n per resample. Seeded from mulberry32, so the
// same seed gives the same counts on every machine.
import type { Mulberry32 } from '../common/random';

/** Below this many trials, a binomial is drawn as that many Bernoulli trials (cheaper than a split). */
const BERNOULLI_UP_TO = 16;

/** Exact binomial, gamma and normal variates from one mulberry32 stream. */
export class Variates {
  /** The polar method draws normals in pairs; the second waits here. */
  private spareNormal: number | null = null;

  constructor(private readonly generator: Mulberry32) {}

  /** Uniform on the open interval (0, 1): a logarithm's argument must not be 0. */
  private open(): number {
    return this.generator.next() + 2 ** -33;
  }

  /** Standard normal, Marsaglia's polar method. */
  normal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    for (;;) {
      const u = 2 * this.generator.next() - 1;
      const v = 2 * this.generator.next() - 1;
      const s = u * u + v * v;
      if (s === 0 || s >= 1) continue;
      const scale = Math.sqrt((-2 * Math.log(s)) / s);
      this.spareNormal = v * scale;
      return u * scale;
    }
  }

  /** Gamma(shape, 1) for shape ≥ 1, Marsaglia & Tsang (2000). */
  gamma(shape: number): number {
    if (!(shape >= 1)) throw new Error(`gamma needs shape ≥ 1, not ${shape}`);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.open();
      const x2 = x * x;
      // The squeeze accepts most draws without a logarithm.
      if (u < 1 - 0.0331 * x2 * x2) return d * v;
      if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /**
   * Binomial(trials, p), Knuth's splitting (TAOCP vol. 2, 3.4.1 F): the a-th smallest of t
   * uniforms is Beta(a, t + 1 − a). If it lies at or above p, the uniforms below p are among the
   * a − 1 below it, uniform on [0, X): Binomial(a − 1, p / X); otherwise those a are below p,
   * and of the t − a above X, uniform on (X, 1), Binomial(t − a, (p − X) / (1 − X)) more. Halving
   * t each time, a few dozen gamma variates reach a handful of Bernoulli trials.
   */
  binomial(trials: number, p: number): number {
    let t = trials;
    let q = p;
    let count = 0;
    while (t > BERNOULLI_UP_TO && q > 0 && q < 1) {
      const a = 1 + (t >>> 1);
      const b = t + 1 - a;
      const ga = this.gamma(a);
      const x = ga / (ga + this.gamma(b));
      if (x >= q) {
        t = a - 1;
        q = q / x;
      } else {
        count += a;
        t = b - 1;
        q = (q - x) / (1 - x);
      }
    }
    if (q <= 0) return count;
    if (q >= 1) return count + t;
    for (let i = 0; i < t; i++) if (this.generator.next() < q) count++;
    return count;
  }

  /**
   * counts[c] ~ Multinomial(Σ totals, totals[c] / Σ totals), as conditional binomials: cell c
   * takes Binomial(draws left, totals[c] / totals of the cells not yet drawn) of the draws the
   * earlier cells left; the last nonzero cell takes the rest.
   */
  multinomial(totals: ArrayLike<number>, counts: Uint32Array): void {
    let mass = 0;
    for (let c = 0; c < totals.length; c++) mass += totals[c];
    let left = mass;
    for (let c = 0; c < totals.length; c++) {
      const m = totals[c];
      const drawn = m === 0 ? 0 : m >= mass ? left : this.binomial(left, m / mass);
      counts[c] = drawn;
      left -= drawn;
      mass -= m;
    }
  }
}
