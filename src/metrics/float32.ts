// Scores come out of the model as float32. A result keeps each one as the shortest decimal that
// reads back to the same float32 (0.2231477, not 0.22314770519733429 nor a rounded 0.2231), and
// every metric is computed from exactly those values: anyone who recomputes AUROC or accuracy
// from the saved predictions gets the reported number (docs/methods.md, "Exact results").

/** 10^k for k = 0 … 22: the powers of ten a double holds exactly. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Math.pow(10, k) for the decimal exponents of float32 values (k = −46 … 39), index k + 46. */
const DECIMAL_EXPONENT_FROM = -46;
const POW10 = Array.from({ length: 86 }, (_, k) => Math.pow(10, k + DECIMAL_EXPONENT_FROM));
/** A float32's value as a double, to read its binary exponent from the bits. */
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
/** log10(2): the estimate of the decimal exponent from the binary one, corrected below. */
const LOG10_2 = Math.log10(2);

/** The shortest decimal that rounds to the same float32 as `x`, as a number. */
export function float32Decimal(x: number): number {
  if (!Number.isFinite(x)) return x;
  const single = Math.fround(x);
  if (single === 0) return 0;
  const magnitude = Math.abs(single);
  // floor(log2(magnitude)): every float32, subnormals included, is a normal double.
  bits[0] = magnitude;
  const binary = ((words[HIGH] >>> 20) & 0x7ff) - 1023;
  // A decimal further than one float32 step from the value cannot read back to it; the step is
  // taken one binade up, more than either half-gap around the value, so no candidate is lost.
  const step = 2 ** (Math.max(binary + 1, -126) - 23);
  // The decimal exponent: 10^exponent ≤ magnitude < 10^(exponent + 1), as Math.pow gives them.
  let exponent = Math.floor(binary * LOG10_2);
  while (POW10[exponent - DECIMAL_EXPONENT_FROM] > magnitude) exponent--;
  while (POW10[exponent + 1 - DECIMAL_EXPONENT_FROM] <= magnitude) exponent++;
  // Nine significant digits always tell two float32 values apart.
  for (let digits = 1; digits < 9; digits++) {
    // The nearest decimal of `digits` digits is N · 10^power.
    const power = exponent - digits + 1;
    const scale = Math.abs(power) <= 22 ? POWERS_OF_TEN[Math.abs(power)] : Math.pow(10, Math.abs(power));
    const units = power < 0 ? magnitude * scale : magnitude / scale;
    const n = Math.round(units);
    const off = Math.abs(units - n);
    // Is the decimal within a step? A multiplication instead of a division: the two differ only
    // within rounding of a step away, where no decimal reads back to the value anyway.
    if (power < 0 ? off > step * scale : off * scale > step) continue;
    // N is toPrecision's own digits unless the value sits near halfway between two decimals
    // (`units` is one rounding from the exact value, under 10⁸ · 2⁻⁵³ ≈ 10⁻⁸ off, far inside
    // the 0.01 kept from halfway); then, and for exponents where a power of ten is not exact,
    // toPrecision decides. Dividing or multiplying exact integers rounds once, as reading the
    // decimal's text does.
    const decimal =
      off < 0.49 && Math.abs(power) <= 22
        ? (power < 0 ? n / scale : n * scale) * (single < 0 ? -1 : 1)
        : Number(single.toPrecision(digits));
    if (Math.fround(decimal) === single) return decimal;
  }
  return Number(single.toPrecision(9));
}
