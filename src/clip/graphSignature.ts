// What an ONNX graph declares as its inputs and outputs, read from the file without opening a
// session. A session of a full-size vision tower holds about 500 MB; a score over precomputed
// embeddings never runs it, so the model cell checks the vision graph from its declaration and
// the session is opened when the first image must be encoded (./lazyVision.ts).
//
// The file is walked as protobuf (onnx.proto: ModelProto.graph = 7; GraphProto.node = 1,
// initializer = 5, input = 11, output = 12): every field is length-prefixed, so the nodes and the
// weights are skipped by seeking, and only a few kilobytes are read of a file of hundreds of MB.
import { promises as fs } from 'node:fs';
import { ModelError } from './errors';

/** As onnxruntime's InferenceSession.ValueMetadata gives it, for the checks in ./towers.ts. */
export interface DeclaredValue {
  name: string;
  isTensor: boolean;
  /** onnxruntime-node's name of the element type: 'float32', 'float16', 'int64', … */
  type: string;
  /** A number per fixed dimension, the symbol's name for a symbolic one, '' when undeclared. */
  shape: (number | string)[];
}

export interface GraphSignature {
  inputs: DeclaredValue[];
  outputs: DeclaredValue[];
}

/** TensorProto.DataType → onnxruntime-node's type names. */
const ELEMENT_TYPES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
};

const WINDOW = 64 * 1024;

class NotOnnx extends Error {}

/** Sequential reads of a file through a window, with seeks for the fields that are skipped. */
class FileCursor {
  private window = Buffer.alloc(0);
  private windowStart = 0;
  pos = 0;

  constructor(
    private readonly file: fs.FileHandle,
    readonly size: number,
  ) {}

  async byte(): Promise<number> {
    if (this.pos >= this.size) throw new NotOnnx('the file ends inside a field');
    if (this.pos < this.windowStart || this.pos >= this.windowStart + this.window.length) await this.fill();
    return this.window[this.pos++ - this.windowStart];
  }

  async varint(): Promise<number> {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = await this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    throw new NotOnnx('a varint runs past 10 bytes');
  }

  async bytes(length: number): Promise<Buffer> {
    this.need(length);
    const out = Buffer.alloc(length);
    const { bytesRead } = await this.file.read(out, 0, length, this.pos);
    if (bytesRead !== length) throw new NotOnnx('the file ends inside a field');
    this.pos += length;
    return out;
  }

  skip(length: number): void {
    this.need(length);
    this.pos += length;
  }

  private need(length: number): void {
    if (length < 0 || this.pos + length > this.size) throw new NotOnnx('a field runs past the end of the file');
  }

  private async fill(): Promise<void> {
    const length = Math.min(WINDOW, this.size - this.pos);
    this.window = Buffer.alloc(length);
    await this.file.read(this.window, 0, length, this.pos);
    this.windowStart = this.pos;
  }
}

/** Skips a field of `wire` type whose tag was read. */
async function skipField(cursor: FileCursor, wire: number): Promise<void> {
  if (wire === 0) await cursor.varint();
  else if (wire === 1) cursor.skip(8);
  else if (wire === 2) cursor.skip(await cursor.varint());
  else if (wire === 5) cursor.skip(4);
  else throw new NotOnnx(`unexpected protobuf wire type ${wire}`);
}

/** The fields of an in-memory message: [field, wire, value (varint) or bytes (length-delimited)]. */
function* fields(buf: Buffer): Generator<[number, number, number, Buffer]> {
  let pos = 0;
  const varint = () => {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (pos >= buf.length) throw new NotOnnx('a message ends inside a varint');
      const b = buf[pos++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
  };
  while (pos < buf.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) yield [field, wire, varint(), buf.subarray(0, 0)];
    else if (wire === 2) {
      const length = varint();
      if (pos + length > buf.length) throw new NotOnnx('a field runs past its message');
      yield [field, wire, length, buf.subarray(pos, pos + length)];
      pos += length;
    } else if (wire === 1 || wire === 5) pos += wire === 1 ? 8 : 4;
    else throw new NotOnnx(`unexpected protobuf wire type ${wire}`);
  }
}

/** ValueInfoProto: name = 1, type = 2 (TypeProto: tensor_type = 1 → elem_type = 1, shape = 2 → dim = 1). */
function valueInfo(buf: Buffer): DeclaredValue {
  const value: DeclaredValue = { name: '', isTensor: false, type: '', shape: [] };
  for (const [field, wire, , bytes] of fields(buf)) {
    if (field === 1 && wire === 2) value.name = bytes.toString('utf8');
    if (field !== 2 || wire !== 2) continue;
    for (const [typeField, typeWire, , tensor] of fields(bytes)) {
      if (typeField !== 1 || typeWire !== 2) continue;
      value.isTensor = true;
      for (const [tensorField, , number, shape] of fields(tensor)) {
        if (tensorField === 1) value.type = ELEMENT_TYPES[number] ?? `onnx type ${number}`;
        if (tensorField === 2)
          value.shape = [...fields(shape)].filter(([f]) => f === 1).map(([, , , d]) => dimension(d));
      }
    }
  }
  return value;
}

/** TensorShapeProto.Dimension: dim_value = 1, dim_param = 2. */
function dimension(buf: Buffer): number | string {
  for (const [field, wire, number, bytes] of fields(buf)) {
    if (field === 1 && wire === 0) return number;
    if (field === 2 && wire === 2) return bytes.toString('utf8');
  }
  return '';
}

/** An initializer's name (TensorProto.name = 8), read up to it; its data is skipped. */
async function initializerName(cursor: FileCursor, end: number): Promise<string> {
  let name = '';
  while (cursor.pos < end) {
    const tag = await cursor.varint();
    if (Math.floor(tag / 8) === 8 && (tag & 7) === 2)
      name = (await cursor.bytes(await cursor.varint())).toString('utf8');
    else await skipField(cursor, tag & 7);
  }
  return name;
}

async function readGraph(cursor: FileCursor, end: number): Promise<GraphSignature & { initializers: Set<string> }> {
  const inputs: DeclaredValue[] = [];
  const outputs: DeclaredValue[] = [];
  const initializers = new Set<string>();
  while (cursor.pos < end) {
    const tag = await cursor.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 2 && (field === 11 || field === 12)) {
      const value = valueInfo(await cursor.bytes(await cursor.varint()));
      (field === 11 ? inputs : outputs).push(value);
    } else if (wire === 2 && field === 5) {
      const length = await cursor.varint();
      initializers.add(await initializerName(cursor, cursor.pos + length));
    } else await skipField(cursor, wire);
  }
  if (cursor.pos !== end) throw new NotOnnx('the graph runs past its length');
  return { inputs, outputs, initializers };
}

/**
 * The inputs a session would ask to be fed (graph inputs that are not initializers, as
 * onnxruntime lists them) and the outputs. Throws ModelError naming the file when it is not an
 * ONNX model.
 */
export async function readGraphSignature(file: string): Promise<GraphSignature> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (err) {
    throw new ModelError(`Cannot read ${file}: ${(err as Error).message}`, file);
  }
  try {
    const cursor = new FileCursor(handle, (await handle.stat()).size);
    let graph: Awaited<ReturnType<typeof readGraph>> | undefined;
    while (cursor.pos < cursor.size) {
      const tag = await cursor.varint();
      if (tag === 0) throw new NotOnnx('a field number 0');
      if (Math.floor(tag / 8) === 7 && (tag & 7) === 2) {
        const length = await cursor.varint();
        graph = await readGraph(cursor, cursor.pos + length);
      } else await skipField(cursor, tag & 7);
    }
    if (!graph) throw new NotOnnx('no graph');
    const { inputs, outputs, initializers } = graph;
    return { inputs: inputs.filter((i) => !initializers.has(i.name)), outputs };
  } catch (err) {
    if (!(err instanceof NotOnnx)) throw err;
    throw new ModelError(
      `${file} is not an ONNX model (${err.message}). Re-export it, or check that the download finished.`,
      file,
    );
  } finally {
    await handle.close();
  }
}
