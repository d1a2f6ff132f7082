// The bootstrap's draws (docs/methods.md, "Statistics"): per resample, n images drawn with
// replacement by mulberry32 seeded with the cell's seed. A resample is read either as how often
// each image was drawn, or, for statistics of a table such as the confusion matrix, as how many
// draws fell in each cell: the same draws, so the same counts, without a pass over the weights.
import { Mulberry32 } from '../common/random';

export class Resampler {
  private readonly generator: Mulberry32;

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
}
