// Scores come out of the model as float32. A result keeps each one as the shortest decimal that
// reads back to the same float32 (0.2231477, not 0.22314770519733429 nor a rounded 0.2231), and
// every metric is computed from exactly those values: anyone who recomputes AUROC or accuracy
// from the saved predictions gets the reported number (docs/methods.md, "Exact results").

/** 10^k for k = 0 … 22: the powers of ten a double holds exactly. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** The shortest decimal that rounds to the same float32 as `x`, as a number. */
export function float32Decimal(x: number): number {
  if (!Number.isFinite(x)) return x;
  const single = Math.fround(x);
  if (single === 0) return 0;
  const magnitude = Math.abs(single);
  // A decimal further than one float32 step from the value cannot read back to it; the step is
  // taken one binade up, more than either half-gap around the value, so no candidate is lost.
  const step = Math.pow(2, Math.max(Math.floor(Math.log2(magnitude)) + 1, -126) - 23);
  let exponent = Math.floor(Math.log10(magnitude));
  if (Math.pow(10, exponent) > magnitude) exponent--;
  else if (Math.pow(10, exponent + 1) <= magnitude) exponent++;
  // Nine significant digits always tell two float32 values apart.
  for (let digits = 1; digits < 9; digits++) {
    // The nearest decimal of `digits` digits is N · 10^power.
    const power = exponent - digits + 1;
    const scale = Math.abs(power) <= 22 ? POWERS_OF_TEN[Math.abs(power)] : Math.pow(10, Math.abs(power));
    const units = power < 0 ? magnitude * scale : magnitude / scale;
    const n = Math.round(units);
    const off = Math.abs(units - n);
    if ((power < 0 ? off / scale : off * scale) > step) continue;
    // N is toPrecision's own digits unless the value sits near halfway between two decimals;
    // then, and for exponents where a power of ten is not exact, toPrecision decides. Dividing
    // or multiplying exact integers rounds once, as reading the decimal's text does.
    const decimal =
      off < 0.4 && Math.abs(power) <= 22
        ? (power < 0 ? n / scale : n * scale) * (single < 0 ? -1 : 1)
        : Number(single.toPrecision(digits));
    if (Math.fround(decimal) === single) return decimal;
  }
  return Number(single.toPrecision(9));
}
