// The inner loop of packed search as a WebAssembly SIMD function, assembled here from its opcodes
// (a few hundred bytes; no toolchain, no binary file in the repository). Plain JavaScript
// multiplies one float at a time; this takes 16 int8 components per step (x64: pmovsxbw and
// pmaddwd), which is what lets one core scan 1,000,000 × 512 codes in well under 100 ms.
//
//   scan(query, rows, count, stride, out):
//     for each of `count` rows of `stride` int8 codes starting at `rows`:
//       out[r] = Σ_j row[j] · query[j]   (int32; `query` holds the query's codes widened to int16)
//
// `stride` is a multiple of 16 (rows are zero-padded), the query holds stride int16 values.

const I32 = 0x7f;
const V128 = 0x7b;
const EMPTY_BLOCK = 0x40;

const op = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  i32Store: 0x36,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32Add: 0x6a,
  i32Sub: 0x6b,
} as const;

/** SIMD instructions: the 0xfd prefix, then the opcode as unsigned LEB128. */
const simd = {
  load: [0xfd, 0x00],
  const: [0xfd, 0x0c],
  i32x4ExtractLane: [0xfd, 0x1b],
  i16x8ExtendLowI8x16S: [0xfd, 0x87, 0x01],
  i16x8ExtendHighI8x16S: [0xfd, 0x88, 0x01],
  i32x4Add: [0xfd, 0xae, 0x01],
  i32x4DotI16x8S: [0xfd, 0xba, 0x01],
} as const;

// Parameters, then locals, by index.
const QUERY = 0;
const ROWS = 1;
const COUNT = 2;
const STRIDE = 3;
const OUT = 4;
const QUERY_AT = 5;
const ROW_END = 6;
const ACC = 7;
const ROW = 8;

const get = (local: number) => [op.localGet, local];
const set = (local: number) => [op.localSet, local];
/** memarg: log2 alignment (0: unaligned is fine), byte offset (< 128 here). */
const memarg = (offset: number) => [0x00, offset];
const addTo = (local: number, n: number) => [...get(local), op.i32Const, n, op.i32Add, ...set(local)];

const body = [
  2, // two groups of locals:
  2,
  I32, // QUERY_AT, ROW_END
  2,
  V128, // ACC, ROW
  op.block,
  EMPTY_BLOCK,
  op.loop,
  EMPTY_BLOCK,
  ...[...get(COUNT), op.i32Eqz, op.brIf, 1],
  ...[...simd.const, ...new Array<number>(16).fill(0), ...set(ACC)],
  ...[...get(QUERY), ...set(QUERY_AT)],
  ...[...get(ROWS), ...get(STRIDE), op.i32Add, ...set(ROW_END)],
  op.loop,
  EMPTY_BLOCK,
  ...[...get(ROWS), ...simd.load, ...memarg(0), ...set(ROW)],
  ...get(ACC),
  ...[...get(ROW), ...simd.i16x8ExtendLowI8x16S, ...get(QUERY_AT), ...simd.load, ...memarg(0), ...simd.i32x4DotI16x8S],
  ...[...get(ROW), ...simd.i16x8ExtendHighI8x16S, ...get(QUERY_AT), ...simd.load, ...memarg(16)],
  ...simd.i32x4DotI16x8S,
  ...simd.i32x4Add,
  ...simd.i32x4Add,
  ...set(ACC),
  ...addTo(QUERY_AT, 32),
  ...addTo(ROWS, 16),
  ...[...get(ROWS), ...get(ROW_END), op.i32LtU, op.brIf, 0],
  op.end,
  // out[r] = the four lanes of ACC summed
  ...get(OUT),
  ...[...get(ACC), ...simd.i32x4ExtractLane, 0],
  ...[1, 2, 3].flatMap((lane) => [...get(ACC), ...simd.i32x4ExtractLane, lane, op.i32Add]),
  ...[op.i32Store, 2, 0],
  ...addTo(OUT, 4),
  ...[...get(COUNT), op.i32Const, 1, op.i32Sub, ...set(COUNT)],
  ...[op.br, 0],
  op.end,
  op.end,
  op.end,
];

/** unsigned LEB128 */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

const name = (s: string) => [s.length, ...Buffer.from(s, 'ascii')];
const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];

const moduleBytes = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 0]), // type: (i32 × 5) → ()
  ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 1]), // import memory, min 1 page
  ...section(3, [1, 0]), // function 0 has type 0
  ...section(7, [1, ...name('scan'), 0x00, 0]), // export it as "scan"
  ...section(10, [1, ...uleb(body.length), ...body]),
]);

/** The few members of the WebAssembly JS API used here: the project's Node typings (no DOM) lack them. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Memory: new (size: { initial: number; maximum?: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** A fixed-size memory of `pages` × 64 KiB for the kernel. */
export function kernelMemory(pages: number): WasmMemory {
  return new wasm.Memory({ initial: pages, maximum: pages });
}

/** What scan writes: `count` int32 dot products at `out`. */
export type Int8Scan = (query: number, rows: number, count: number, stride: number, out: number) => void;

let compiled: object | undefined;

/** The scan function bound to `memory`; throws where WebAssembly SIMD is missing (Node < 16.4). */
export function int8Scan(memory: WasmMemory): Int8Scan {
  compiled ??= new wasm.Module(moduleBytes);
  return new wasm.Instance(compiled, { env: { memory } }).exports.scan as Int8Scan;
}
