// A small binary file of one JSON header and typed arrays, for state that is mostly numbers (a
// score cell's previous run: its score and similarity matrices): written and read back without
// turning millions of numbers into text and parsing them again.
//   0  magic 'SLB1'
//   4  CRC-32 of the header (u32 LE)
//   8  header length in bytes (u32 LE)
//  12  CRC-32 of everything after the header (u32 LE)
//  16  header: JSON (UTF-8) of { meta, arrays: [{ name, type, length }] }, zero-padded so that
//      the arrays start at a multiple of 8
//   …  the arrays, in header order, little-endian (as every platform VS Code runs on), each
//      zero-padded to a multiple of 8
// Two checksums, so that damage to the arrays (the bulk of the file) loses only them: the meta
// (a cell's run history) still reads.
import { crc32 } from 'node:zlib';

const MAGIC = Buffer.from('SLB1');
const PREFIX = 16;

const TYPES = { f64: Float64Array, u32: Uint32Array } as const;
type ArrayType = keyof typeof TYPES;
export type RecordArray = Float64Array | Uint32Array;

export interface BinaryRecord<M> {
  meta: M;
  arrays: Record<string, RecordArray>;
}

/** A record as read: `arrays` undefined when they were damaged (the meta was not). */
export interface DecodedRecord<M> {
  meta: M;
  arrays: Record<string, RecordArray> | undefined;
}

interface ArrayEntry {
  name: string;
  type: ArrayType;
  length: number;
}

const pad8 = (n: number) => (n + 7) & ~7;
const typeOf = (a: RecordArray): ArrayType => (a instanceof Float64Array ? 'f64' : 'u32');

export function encodeRecord<M>(record: BinaryRecord<M>): Buffer {
  const named = Object.entries(record.arrays);
  const entries: ArrayEntry[] = named.map(([name, a]) => ({ name, type: typeOf(a), length: a.length }));
  const header = Buffer.from(JSON.stringify({ meta: record.meta, arrays: entries }), 'utf8');
  let total = pad8(PREFIX + header.length);
  for (const [, a] of named) total += pad8(a.byteLength);
  const out = Buffer.alloc(total);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(header.length, 8);
  header.copy(out, PREFIX);
  const arraysAt = pad8(PREFIX + header.length);
  let at = arraysAt;
  for (const [, a] of named) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, at);
    at += pad8(a.byteLength);
  }
  out.writeUInt32LE(crc32(header), 4);
  out.writeUInt32LE(crc32(out.subarray(arraysAt)), 12);
  return out;
}

/** The record in `buf`; throws when it is not one or its header is damaged. */
export function decodeRecord<M>(buf: Buffer): DecodedRecord<M> {
  if (buf.length < PREFIX || !buf.subarray(0, 4).equals(MAGIC)) throw new Error('not a binary record');
  const headerBytes = buf.readUInt32LE(8);
  if (PREFIX + headerBytes > buf.length) throw new Error('damaged record (header length)');
  const headerBuf = buf.subarray(PREFIX, PREFIX + headerBytes);
  if (crc32(headerBuf) !== buf.readUInt32LE(4)) throw new Error('damaged record (header checksum)');
  const header = JSON.parse(headerBuf.toString('utf8')) as { meta: M; arrays: ArrayEntry[] };
  return { meta: header.meta, arrays: readArrays(buf, pad8(PREFIX + headerBytes), header.arrays) };
}

function readArrays(buf: Buffer, start: number, entries: ArrayEntry[]): Record<string, RecordArray> | undefined {
  if (!Array.isArray(entries) || crc32(buf.subarray(start)) !== buf.readUInt32LE(12)) return undefined;
  const arrays: Record<string, RecordArray> = {};
  let at = start;
  for (const { name, type, length } of entries) {
    const Type = Object.hasOwn(TYPES, type) ? TYPES[type] : undefined;
    if (!Type || !Number.isSafeInteger(length) || length < 0) return undefined;
    const bytes = length * Type.BYTES_PER_ELEMENT;
    if (at + bytes > buf.length) return undefined;
    // A copy: its own aligned buffer, and nothing else of the file kept alive by it.
    const copy = new Type(length);
    new Uint8Array(copy.buffer).set(buf.subarray(at, at + bytes));
    arrays[name] = copy;
    at += pad8(bytes);
  }
  return at === buf.length ? arrays : undefined;
}
