// Scores come out of the model as float32. A result keeps each one as the shortest decimal that
// reads back to the same float32 (0.2231477, not 0.22314770519733429 nor a rounded 0.2231), and
// every metric is computed from exactly those values: anyone who recomputes AUROC or accuracy
// from the saved predictions gets the reported number (docs/methods.md, "Exact results").

/** The shortest decimal that rounds to the same float32 as `x`, as a number. */
export function float32Decimal(x: number): number {
  if (!Number.isFinite(x)) return x;
  const single = Math.fround(x);
  // Nine significant digits always tell two float32 values apart.
  for (let digits = 1; digits < 9; digits++) {
    const decimal = Number(single.toPrecision(digits));
    if (Math.fround(decimal) === single) return decimal;
  }
  return Number(single.toPrecision(9));
}
