// Whether two typed arrays hold the same bytes, in one native comparison: the check that lets a
// remembered statistic be reused only for exactly the numbers it was computed from.
export function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a === b) return true;
  if (a.byteLength !== b.byteLength) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
