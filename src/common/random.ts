// A small seeded PRNG so that bootstrap CIs, controls and samples are reproducible from the
// notebook alone: the same seed gives the same numbers on every machine and Node version
// (Math.random cannot be seeded).

/** A generator of floats in [0, 1). */
export type Random = () => number;

/**
 * mulberry32 (Tommy Ettinger): 32 bits of state, fast and evenly spread, which is all resampling
 * and shuffling need; not for cryptography. Any number is a valid seed (its low 32 bits count).
 */
export function mulberry32(seed: number): Random {
  const generator = new Mulberry32(seed);
  return () => generator.next();
}

/**
 * mulberry32 as an object, for loops that draw millions of numbers (the bootstrap): `ints` keeps
 * the state in a local variable for the whole loop, twice as fast as a call per number.
 */
export class Mulberry32 {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    return mix(this.state);
  }

  /** `count` integers in [0, n), as randomInt(…, n) would draw them one by one, each given to `use`. */
  ints(count: number, n: number, use: (k: number) => void): void {
    let state = this.state;
    for (let i = 0; i < count; i++) {
      state = (state + 0x6d2b79f5) >>> 0;
      use(Math.floor(mix(state) * n));
    }
    this.state = state;
  }
}

function mix(state: number): number {
  let t = Math.imul(state ^ (state >>> 15), state | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** An integer in [0, n). */
export function randomInt(random: Random, n: number): number {
  return Math.floor(random() * n);
}

/** Fisher–Yates shuffle of `items` in place; returns it. */
export function shuffleInPlace<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/**
 * A 32-bit seed from a seed and labels (FNV-1a over their text), so that independent streams
 * (e.g. seed 3 of the random-words control, class "pneumonia") do not share numbers.
 */
export function deriveSeed(seed: number, ...labels: string[]): number {
  let h = 0x811c9dc5;
  for (const ch of [String(seed), ...labels].join('\u0000')) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
