// The bootstrap's draws (docs/methods.md, "Statistics"): per resample, n images drawn with
// replacement by mulberry32 seeded with the cell's seed. A resample is read either as how often
// each image was drawn, or, for statistics of a table such as the confusion matrix, as how many
// draws fell in each cell: the same draws, so the same counts, without a pass over the weights.
// Where no statistic needs the images' own draws, a table's counts can instead be drawn straight
// from their multinomial distribution (multinomial.ts): the same distribution, other numbers.
import { Mulberry32 } from '../common/random';
import type { IntervalMethod } from '../protocol/statistics';
import { DELONG_FROM_IMAGES } from './delong';
import { Variates } from './multinomial';

/**
 * How a table statistic's resamples are drawn: n images each, counted per cell (`images`), or
 * each resample's cell counts from their multinomial distribution (`multinomial`).
 */
export type TableDraws = 'images' | 'multinomial';

/**
 * The table draws of a run whose AUROC intervals are `auroc`, on `images` images. Multinomial
 * only where the AUROC intervals are DeLong's, so that no bootstrapped AUROC is read from the
 * same resamples as the confusion-matrix metrics (they would need the images' own draws), and
 * only from DELONG_FROM_IMAGES images, where resampling images one by one is what remains slow:
 * below it every interval stays the image bootstrap, as before.
 */
export function tableDrawsFor(auroc: IntervalMethod | undefined, images: number): TableDraws {
  return auroc === 'delong' && images >= DELONG_FROM_IMAGES ? 'multinomial' : 'images';
}

/**
 * Statistics of a table (e.g. the confusion matrix) rather than of the images: image i lies in
 * cell `of[i]` of `count`, and the statistic receives draws per cell instead of multiplicities per
 * image. The same draws, so the same intervals as a statistic summing the multiplicities into the
 * table, at one step per draw instead of a pass over every image per resample.
 */
export interface Cells {
  of: ArrayLike<number>;
  count: number;
}

export class Resampler {
  private readonly generator: Mulberry32;
  private variates: Variates | undefined;

  constructor(
    readonly n: number,
    seed: number,
  ) {
    this.generator = new Mulberry32(seed);
  }

  /** The next resample as multiplicities: weights[i] = times image i was drawn. */
  weights(weights: Uint32Array): void {
    weights.fill(0);
    this.generator.ints(this.n, this.n, (i) => weights[i]++);
  }

  /** The next resample as counts[c] = draws of an image whose cell (cellOf[i]) is c. */
  cells(cellOf: ArrayLike<number>, counts: Uint32Array): void {
    counts.fill(0);
    this.generator.ints(this.n, this.n, (i) => counts[cellOf[i]]++);
  }

  /**
   * The next resample as counts[c] drawn from Multinomial(n, totals[c] / n), totals[c] being the
   * images in cell c: distributed as `cells` would count them.
   */
  multinomialCells(totals: ArrayLike<number>, counts: Uint32Array): void {
    this.variates ??= new Variates(this.generator);
    this.variates.multinomial(totals, counts);
  }
}
