// The cosines of every image with every text a recipe needs, column by column (one text, all
// images), so that columns can be remembered between runs: a one-descriptor edit changes one
// text, and the score cell's next run computes that text's column only. A column is remembered
// by the text vector's exact bytes for the exact list of image vectors (the same objects, in the
// same order): a remembered cosine is the very number a new computation would give.

/** An embedding as the engine returns it (Float32Array) or as JSON has it (number[]). */
type Vector = ArrayLike<number>;

/** Bytes of remembered columns; past it the least recently used go (a column is 8 bytes an image). */
const REMEMBERED_BYTES = 64 * 2 ** 20;

interface Remembered {
  images: readonly Vector[];
  /**
   * The caller's list object last found to hold exactly `images`: importance scores the same list
   * some twenty times a run, so the element-by-element check runs once per list. The engine never
   * changes an image list in place once scored (the score step builds a fresh list each run).
   */
  checked?: readonly Vector[];
  /** 1 / ‖image‖ per image (0 for a zero vector). */
  scales: Float64Array;
  columns: Map<string, Float64Array>;
}

/** The image list of the last remembering call (the score step's); other callers do not evict it. */
let remembered: Remembered | undefined;

/**
 * `columns[r][i]` = cos(image i, rows[r]) for unit-length `rows`. With `remember`, columns are
 * taken from and added to the memory of the last image list.
 */
export function cosineColumns(
  rows: readonly Float32Array[],
  images: readonly Vector[],
  remember: boolean,
): Float64Array[] {
  const dim = rows[0]?.length ?? 0;
  // The images' lengths were checked against the dimension of the texts they were first scored with.
  const known =
    remembered &&
    (images.length === 0 || images[0].length === dim) &&
    (remembered.checked === images || sameList(remembered.images, images));
  if (known) remembered!.checked = images;
  let memory = remember && known ? remembered : undefined;
  if (!memory) {
    const fresh: Remembered = {
      images: [...images],
      checked: images,
      scales: imageScales(images, dim),
      columns: new Map<string, Float64Array>(),
    };
    if (remember) remembered = fresh;
    memory = fresh;
  }
  const keys = rows.map(rowKey);
  const missing = [...new Set(keys.filter((k) => !memory.columns.has(k)))];
  const rowOf = new Map(keys.map((k, r) => [k, rows[r]]));
  for (let start = 0; start < missing.length; start += 4) {
    const block = missing.slice(start, start + 4);
    const computed = columnsOf(
      block.map((k) => rowOf.get(k)!),
      images,
      memory.scales,
    );
    block.forEach((k, b) => memory.columns.set(k, computed[b]));
  }
  const out = keys.map((k) => {
    const column = memory.columns.get(k)!;
    // Most recently used last, so that eviction takes the oldest.
    memory.columns.delete(k);
    memory.columns.set(k, column);
    return column;
  });
  const keep = Math.max(rows.length, Math.floor(REMEMBERED_BYTES / (8 * Math.max(1, images.length))));
  for (const k of memory.columns.keys()) {
    if (memory.columns.size <= keep) break;
    memory.columns.delete(k);
  }
  return out;
}

/** Forget the remembered columns (tests, and a caller that knows the vectors changed in place). */
export function forgetCosines(): void {
  remembered = undefined;
}

function sameList(a: readonly Vector[], b: readonly Vector[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function rowKey(row: Float32Array): string {
  return Buffer.from(row.buffer, row.byteOffset, row.byteLength).toString('latin1');
}

function imageScales(images: readonly Vector[], dim: number): Float64Array {
  const scales = new Float64Array(images.length);
  images.forEach((image, i) => {
    if (image.length !== dim) {
      throw new Error(`Image ${i + 1} has a ${image.length}-dimensional embedding; the texts have ${dim}`);
    }
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += image[j] * image[j];
    scales[i] = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  });
  return scales;
}

/**
 * Up to four columns in one pass over the images: each dot product still sums its own products
 * in index order (the same number as one at a time), four at once share the image's loads.
 */
function columnsOf(rows: Float32Array[], images: readonly Vector[], scales: Float64Array): Float64Array[] {
  if (rows.length === 1) return [columnOf(rows[0], images, scales)];
  const n = images.length;
  const out = rows.map(() => new Float64Array(n));
  const dim = rows[0].length;
  // Two or three rows: the spare accumulators repeat the first row into a scratch column.
  const spare = rows.length < 4 ? new Float64Array(n) : out[3];
  const [a, b = a, c = a, d = a] = rows;
  const [oa, ob = spare, oc = spare, od = spare] = out;
  for (let i = 0; i < n; i++) {
    const image = images[i];
    let sa = 0;
    let sb = 0;
    let sc = 0;
    let sd = 0;
    for (let j = 0; j < dim; j++) {
      const x = image[j];
      sa += a[j] * x;
      sb += b[j] * x;
      sc += c[j] * x;
      sd += d[j] * x;
    }
    const scale = scales[i];
    oa[i] = sa * scale;
    ob[i] = sb * scale;
    oc[i] = sc * scale;
    od[i] = sd * scale;
  }
  return out;
}

/** One column alone (a one-descriptor edit): a single accumulator, a quarter of the work of four. */
function columnOf(row: Float32Array, images: readonly Vector[], scales: Float64Array): Float64Array {
  const n = images.length;
  const dim = row.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const image = images[i];
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += row[j] * image[j];
    out[i] = sum * scales[i];
  }
  return out;
}
