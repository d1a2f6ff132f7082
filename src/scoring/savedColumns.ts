// A class's scores as a result saves them (metrics/float32.ts: float32 precision, shortest
// decimal), remembered between runs. A one-descriptor edit changes one class's scores; the other
// classes' columns come out of the recipe bit for bit as in the previous run, and their saved
// form is taken from memory instead of 100,000 float32Decimal calls each. A column is remembered
// by the exact bit patterns of its raw scores (a copy, so no caller can change it), and the saved
// column returned is the same array object each time: never write it, since statistics are
// remembered by it (metrics/rememberedAuroc.ts).
import { sameBytes } from '../common/sameBytes';
import { float32Decimal } from '../metrics/float32';

/** Bytes of remembered columns (raw and saved: 16 bytes an image); past it the oldest go. */
const REMEMBERED_BYTES = 48 * 2 ** 20;

interface Remembered {
  raw: Float64Array;
  saved: Float64Array;
}

/** Least recently used first. */
let remembered: Remembered[] = [];

/** float32Decimal of every score of `raw`. */
export function savedColumn(raw: Float64Array): Float64Array {
  // The same 64 bits per score: NaN payloads and the sign of zero included.
  const at = remembered.findIndex((r) => sameBytes(r.raw, raw));
  if (at >= 0) {
    const [hit] = remembered.splice(at, 1);
    remembered.push(hit);
    return hit.saved;
  }
  const saved = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) saved[i] = float32Decimal(raw[i]);
  remembered.push({ raw: raw.slice(), saved });
  let bytes = 0;
  for (let r = remembered.length - 1; r >= 0; r--) {
    bytes += 16 * remembered[r].raw.length;
    // The newest column stays, whatever its size.
    if (bytes > REMEMBERED_BYTES && r < remembered.length - 1) {
      remembered = remembered.slice(r + 1);
      break;
    }
  }
  return saved;
}

/** Forget the remembered columns (tests). */
export function forgetSavedColumns(): void {
  remembered = [];
}
