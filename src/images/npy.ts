// NumPy's .npy format (numpy.lib.format), the part embedding files use: a 2-D matrix of
// little-endian float16 or float32 in C order. The file is: the magic "\x93NUMPY", a version
// (1.0: 2-byte header length; 2.0/3.0: 4-byte), a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (rows, cols), } padded with spaces and a
// newline so the data starts on a 64-byte boundary, then the values.
import { fromHalfBits } from '../common/float16';

const MAGIC = Buffer.from([0x93, ...Buffer.from('NUMPY')]);
const ALIGN = 64;

/** A file that is not a readable 2-D float16/float32 .npy; `message` names the file and the fix. */
export class NpyError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'NpyError';
  }
}

export interface Matrix {
  rows: number;
  cols: number;
  /** Row-major, rows × cols values. */
  data: Float32Array;
  /** The dtype as stored: '<f2' or '<f4'. */
  dtype: '<f2' | '<f4';
}

/** Read a .npy file's bytes (`file` names it in errors). */
export function readNpy(bytes: Uint8Array, file: string): Matrix {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.byteLength < 10 || !buf.subarray(0, 6).equals(MAGIC))
    throw new NpyError(file, `${file} is not a .npy file (no "\\x93NUMPY" magic); write it with numpy.save.`);
  const major = buf[6];
  const lengthBytes = major === 1 ? 2 : major === 2 || major === 3 ? 4 : 0;
  if (!lengthBytes) throw new NpyError(file, `${file}: .npy format version ${major} is not supported (1, 2 or 3 are).`);
  const headerLength = lengthBytes === 2 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const dataStart = 8 + lengthBytes + headerLength;
  if (dataStart > buf.byteLength) throw new NpyError(file, `${file}: the header runs past the end of the file.`);
  const header = buf.subarray(8 + lengthBytes, dataStart).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw new NpyError(file, `${file}: the header is not a .npy header dict (${JSON.stringify(header.trim())}).`);
  if (descr !== '<f4' && descr !== '<f2')
    throw new NpyError(
      file,
      `${file} holds ${descr} values; embeddings must be little-endian float32 (<f4) or float16 (<f2).`,
    );
  if (fortran === 'True')
    throw new NpyError(file, `${file} is in Fortran order; save a C-ordered array (numpy.ascontiguousarray).`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (shape.length !== 2 || !shape.every((n) => Number.isSafeInteger(n) && n >= 0))
    throw new NpyError(file, `${file} has shape (${shapeText}); embeddings must be a 2-D array (images × dimensions).`);
  const [rows, cols] = shape;
  const itemBytes = descr === '<f4' ? 4 : 2;
  const expected = rows * cols * itemBytes;
  if (buf.byteLength - dataStart !== expected)
    throw new NpyError(
      file,
      `${file} should hold ${rows} × ${cols} values (${expected} bytes) after its header but holds ${buf.byteLength - dataStart} bytes; the file is truncated or not a plain .npy.`,
    );
  // Copy into aligned memory: the data offset need not be a multiple of 4 in the Buffer's pool.
  const raw = new Uint8Array(expected);
  raw.set(buf.subarray(dataStart));
  const data =
    descr === '<f4'
      ? littleEndianFloat32(raw)
      : Float32Array.from(new Uint16Array(raw.buffer, 0, rows * cols), fromHalfBits);
  return { rows, cols, data, dtype: descr };
}

function littleEndianFloat32(raw: Uint8Array): Float32Array {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) return new Float32Array(raw.buffer, 0, raw.length / 4);
  const view = new DataView(raw.buffer);
  return Float32Array.from({ length: raw.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

/** A version 1.0 .npy file of a rows × cols float32 matrix (row-major `data`). */
export function writeNpy(data: Float32Array, rows: number, cols: number): Buffer {
  if (data.length !== rows * cols) throw new Error(`writeNpy: ${data.length} values for a ${rows} × ${cols} matrix`);
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  // Pad with spaces so that magic + version + length + header (ending in \n) fills whole 64-byte blocks.
  const unpadded = MAGIC.length + 2 + 2 + dict.length + 1;
  const header = dict + ' '.repeat((ALIGN - (unpadded % ALIGN)) % ALIGN) + '\n';
  const prefix = Buffer.alloc(MAGIC.length + 4);
  MAGIC.copy(prefix);
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const body = Buffer.alloc(rows * cols * 4);
  for (let i = 0; i < data.length; i++) body.writeFloatLE(data[i], i * 4);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), body]);
}
