// The record layout of the embedding cache's segment files. A segment is nothing but records one
// after another, so that appending a chunk is one write and a crash mid-append can only leave an
// incomplete last record, which the parser recognises and skips:
//   0  magic 'SLR1'
//   4  CRC-32 of everything after it, to the end of the record (u32 LE)
//   8  key length in bytes (u16 LE), then 2 bytes zero
//  12  payload length in bytes (u32 LE, a multiple of 4)
//  16  key (UTF-8), zero-padded to a multiple of 4, then the float32 payload (little-endian, as
//      every platform VS Code runs on), which therefore starts 4-byte aligned
// CRC-32 rather than sha256: it catches flipped bytes and truncation as surely for this purpose
// (damage, not an adversary: whoever can write the cache can write a valid record) and takes
// less than half the time (80 against 190 ms over the 205 MB of 100,000 entries of 512 floats).
import { crc32 } from 'node:zlib';

const MAGIC = Buffer.from('SLR1');
const MAGIC_U32 = MAGIC.readUInt32LE(0);
const HEADER = 16;
/** Far above any real key (64 hex digits) and vector (a few thousand floats): a length beyond them is damage. */
const MAX_KEY = 1024;
const MAX_PAYLOAD = 1 << 26;

/** `n` rounded up to a multiple of 4: what keeps every payload 4-byte aligned. */
export const pad4 = (n: number) => (n + 3) & ~3;

/** Every entry as one buffer of records, for one append. */
export function encodeRecords(entries: readonly (readonly [string, Float32Array])[]): Buffer {
  const keys = entries.map(([k]) => Buffer.from(k, 'utf8'));
  let total = 0;
  for (const [i, [, vec]] of entries.entries()) total += HEADER + pad4(keys[i].length) + vec.byteLength;
  const out = Buffer.alloc(total);
  let at = 0;
  for (const [i, [, vec]] of entries.entries()) {
    const key = keys[i];
    if (key.length === 0 || key.length > MAX_KEY) throw new Error(`cache key of ${key.length} bytes`);
    MAGIC.copy(out, at);
    out.writeUInt16LE(key.length, at + 8);
    out.writeUInt32LE(vec.byteLength, at + 12);
    key.copy(out, at + HEADER);
    const payloadAt = at + HEADER + pad4(key.length);
    Buffer.from(vec.buffer, vec.byteOffset, vec.byteLength).copy(out, payloadAt);
    const end = payloadAt + vec.byteLength;
    out.writeUInt32LE(crc32(out.subarray(at + 8, end)), at + 4);
    at = end;
  }
  return out;
}

/**
 * Called by `parseRecords` for each intact record: where it starts and ends in the file, and where
 * its payload starts in the buffer. Arguments rather than an object: a load of 100,000 entries
 * should allocate as little as it can, since everything it allocates survives into the cache.
 */
export type RecordVisitor = (key: string, start: number, end: number, payloadAt: number, payloadBytes: number) => void;

export interface ParseResult {
  /** Keys of records that failed their checksum or were cut short (as far as their key could be read). */
  damaged: string[];
  /** Where parsing stopped in the file: after the last record, or at an incomplete one to read again later. */
  parsedTo: number;
}

/**
 * The records in `buf`, which holds a segment from file offset `base`. A record that fails its
 * checksum is skipped by searching for the next magic rather than by trusting its length field,
 * which may be what was damaged; a false magic inside a payload then fails its own checksum in
 * turn. An incomplete record at the end stops parsing there: it may be an append still in
 * progress in another process, so the next scan reads it again.
 */
export function parseRecords(buf: Buffer, base: number, visit: RecordVisitor): ParseResult {
  const damaged: string[] = [];
  let at = 0;
  while (at < buf.length) {
    let key: string | undefined;
    if (buf.length - at >= HEADER && buf.readUInt32LE(at) === MAGIC_U32) {
      const keyBytes = buf.readUInt16LE(at + 8);
      const payloadBytes = buf.readUInt32LE(at + 12);
      if (keyBytes > 0 && keyBytes <= MAX_KEY && payloadBytes % 4 === 0 && payloadBytes <= MAX_PAYLOAD) {
        const payloadAt = at + HEADER + pad4(keyBytes);
        const end = payloadAt + payloadBytes;
        if (payloadAt <= buf.length) key = buf.toString('utf8', at + HEADER, at + HEADER + keyBytes);
        if (end <= buf.length && buf.readUInt32LE(at + 4) === crc32(buf.subarray(at + 8, end))) {
          visit(key!, base + at, base + end, payloadAt, payloadBytes);
          at = end;
          continue;
        }
      }
    }
    if (key !== undefined) damaged.push(key);
    const next = buf.indexOf(MAGIC, at + 1);
    // Nothing after it can be framed: an append cut short, or damage up to the end.
    if (next < 0) return { damaged, parsedTo: base + at };
    at = next;
  }
  return { damaged, parsedTo: base + at };
}

/** The intact records of a buffer holding a segment from its start, as objects (compaction, tests). */
export function recordsOf(buf: Buffer): { key: string; start: number; end: number }[] {
  const records: { key: string; start: number; end: number }[] = [];
  parseRecords(buf, 0, (key, start, end) => records.push({ key, start, end }));
  return records;
}

/** A payload as a vector: a view into the buffer where it is 4-byte aligned (no copy), else a copy. */
export function vectorAt(buf: Buffer, payloadAt: number, payloadBytes: number): Float32Array {
  const offset = buf.byteOffset + payloadAt;
  if (offset % 4 === 0) return new Float32Array(buf.buffer, offset, payloadBytes / 4);
  return new Float32Array(buf.buffer.slice(offset, offset + payloadBytes));
}
