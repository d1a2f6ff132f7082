import { test } from 'node:test';
import assert from 'node:assert/strict';
import { float32Decimal } from '../../src/metrics/float32';

test('float32Decimal: the shortest decimal that reads back to the same float32', () => {
  // 0.1 is not a float32; its float32 is 0.100000001490116…, and "0.1" reads back to it.
  assert.equal(float32Decimal(0.1), 0.1);
  assert.equal(float32Decimal(Math.fround(0.2231477)), 0.2231477);
  assert.equal(float32Decimal(0.22314770519733429), 0.2231477);
  for (const x of [1 / 3, Math.PI, -0.0012345678, 1e-30, 3.4e38, 0.30000001192092896]) {
    const d = float32Decimal(x);
    assert.equal(Math.fround(d), Math.fround(x), `${x} → ${d}`);
    // One digit fewer no longer reads back to the same float32: d is the shortest.
    const digits = String(Math.abs(d)).split('e')[0].replace('.', '').replace(/^0+/, '').length;
    if (digits > 1) assert.notEqual(Math.fround(Number(d.toPrecision(digits - 1))), Math.fround(x), `${d}`);
  }
  // Two scores four decimals could not tell apart stay apart.
  const a = Math.fround(0.31234);
  const b = Math.fround(0.312344);
  assert.notEqual(float32Decimal(a), float32Decimal(b));
  assert.ok(Number.isNaN(float32Decimal(NaN)));
  assert.equal(float32Decimal(0), 0);
});
