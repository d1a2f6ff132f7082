// A bootstrap resample's draws per table cell at once (docs/methods.md, "Statistics"). Drawing n
// images with replacement from n, where m_c of them lie in cell c, puts Multinomial(n, m_c / n)
// draws in the cells: the counts a statistic of the table sees. Drawing those counts directly,
// as conditional binomials over the cells, gives resamples with exactly that distribution at a
// cost that does not grow with n. Seeded from mulberry32, so the same seed gives the same counts
// on every machine.
import type { Mulberry32 } from '../common/random';

/** Up to this mean (of the rarer outcome) a binomial is drawn by inversion, above it by BTPE. */
const INVERSION_UP_TO = 30;

/** Exact binomial and multinomial variates from one mulberry32 stream. */
export class Variates {
  constructor(private readonly generator: Mulberry32) {}

  /**
   * Binomial(n, p), as numpy draws it: counting the rarer outcome (probability r = min(p, 1 − p)),
   * by inversion where n·r ≤ 30, else by Kachitvichyanukul & Schmeiser's BTPE (1988).
   */
  binomial(n: number, p: number): number {
    if (n === 0 || p <= 0) return 0;
    if (p >= 1) return n;
    const r = Math.min(p, 1 - p);
    const rarer = n * r <= INVERSION_UP_TO ? this.inversion(n, r) : this.btpe(n, r);
    return p > 0.5 ? n - rarer : rarer;
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

  /**
   * Sequential search of the cumulative distribution from 0 (expected n·p + 1 steps). A search
   * past n·p + 10 standard deviations starts over: the probability cut off that way is below
   * 10⁻¹⁵, under the resolution of the uniform.
   */
  private inversion(n: number, p: number): number {
    const q = 1 - p;
    const none = Math.exp(n * Math.log1p(-p));
    const bound = Math.min(n, n * p + 10 * Math.sqrt(n * p * q + 1));
    let x = 0;
    let mass = none;
    let u = this.generator.next();
    while (u > mass) {
      x++;
      if (x > bound) {
        x = 0;
        mass = none;
        u = this.generator.next();
      } else {
        u -= mass;
        mass = ((n - x + 1) * p * mass) / (x * q);
      }
    }
    return x;
  }

  /**
   * BTPE for p ≤ ½ and n·p > 30, step for step as numpy's random_binomial_btpe: a triangle, two
   * parallelograms and two exponential tails cover the distribution; a point under the triangle is
   * accepted at once, any other against f(y)/f(m), by its product formula near the mode m, else by
   * a squeeze and Stirling's series for the log factorials (exact to double precision there). The
   * series' terms of y! and (n − y)! are subtracted: the 1988 paper, and numpy before 2.5, add
   * them (a sign error GSL noted; numpy/numpy#31238).
   */
  private btpe(n: number, p: number): number {
    const r = p;
    const q = 1 - p;
    const fm = n * r + r;
    const m = Math.floor(fm);
    const p1 = Math.floor(2.195 * Math.sqrt(n * r * q) - 4.6 * q) + 0.5;
    const xm = m + 0.5;
    const xl = xm - p1;
    const xr = xm + p1;
    const c = 0.134 + 20.5 / (15.3 + m);
    const al = (fm - xl) / (fm - xl * r);
    const laml = al * (1 + al / 2);
    const ar = (xr - fm) / (xr * q);
    const lamr = ar * (1 + ar / 2);
    const p2 = p1 * (1 + 2 * c);
    const p3 = p2 + c / laml;
    const p4 = p3 + c / lamr;
    const nrq = n * r * q;
    for (;;) {
      const u = this.generator.next() * p4;
      let v = this.generator.next();
      let y: number;
      if (u <= p1) return Math.floor(xm - p1 * v + u);
      if (u <= p2) {
        const x = xl + (u - p1) / c;
        v = v * c + 1 - Math.abs(m - x + 0.5) / p1;
        if (v > 1) continue;
        y = Math.floor(x);
      } else if (u <= p3) {
        if (v === 0) continue;
        y = Math.floor(xl + Math.log(v) / laml);
        if (y < 0) continue;
        v = v * (u - p2) * laml;
      } else {
        if (v === 0) continue;
        y = Math.floor(xr - Math.log(v) / lamr);
        if (y > n) continue;
        v = v * (u - p3) * lamr;
      }
      const k = Math.abs(y - m);
      if (k <= 20 || k >= nrq / 2 - 1) {
        // f(y)/f(m) as the product of the ratios f(i)/f(i − 1) between them.
        const s = r / q;
        const a = s * (n + 1);
        let f = 1;
        if (m < y) for (let i = m + 1; i <= y; i++) f *= a / i - s;
        else for (let i = y + 1; i <= m; i++) f /= a / i - s;
        if (v > f) continue;
        return y;
      }
      const rho = (k / nrq) * ((k * (k / 3 + 0.625) + 0.16666666666666666) / nrq + 0.5);
      const t = (-k * k) / (2 * nrq);
      const logV = Math.log(v);
      if (logV < t - rho) return y;
      if (logV > t + rho) continue;
      const x1 = y + 1;
      const f1 = m + 1;
      const z = n + 1 - m;
      const w = n - y + 1;
      const logRatio =
        xm * Math.log(f1 / x1) +
        (n - m + 0.5) * Math.log(z / w) +
        (y - m) * Math.log((w * r) / (x1 * q)) +
        stirlingTail(f1) +
        stirlingTail(z) -
        stirlingTail(x1) -
        stirlingTail(w);
      if (logV > logRatio) continue;
      return y;
    }
  }
}

/** log Γ(x) − ((x − ½) log x − x + ½ log 2π): Stirling's series to 1/x⁹, as BTPE writes it. */
function stirlingTail(x: number): number {
  const x2 = x * x;
  return (13680 - (462 - (132 - (99 - 140 / x2) / x2) / x2) / x2) / x / 166320;
}
