// Image and text embeddings on disk, keyed as docs/methods.md ("Caches and staleness") says:
//   image: model fingerprint + preprocessing + image content hash
//   text : model fingerprint + exact text
// so editing one descriptor re-encodes that one text and no image. The entries live in a few
// segment files (segmentStore.ts), each record with a CRC-32 checked on read: a corrupted or
// truncated entry is re-encoded and counted (`repaired`, which the run record shows), never scored.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runAll } from '../common/async';
import { DiskCache } from './diskCache';
import { hashKey } from './hash';
import { SegmentStore } from './segmentStore';

const NAMESPACE = 'embeddings';
/** The layout before segments, still read (and moved into a segment): one file per entry, MAGIC, sha256 of the payload, payload. */
const LEGACY_EXT = '.f32';
const LEGACY_MAGIC = Buffer.from('SLE1');
const LEGACY_HEADER = LEGACY_MAGIC.length + 32;
/** Old-layout files open at once: far below any open-file limit (1024 is common). */
const MAX_OPEN_FILES = 64;

export class EmbeddingCache {
  private readonly disk: DiskCache;
  /**
   * One store per folder in this process: its index, its segment and its memory layer (re-running
   * a cell in the same session skips the disk too) are shared by every cell.
   */
  private static readonly stores = new Map<string, SegmentStore>();

  /** Entries found corrupted (checksum, size) in this instance's reads, re-encoded since. */
  repaired = 0;

  /** `onProblem` hears once that the folder cannot be used (the run then goes on without it). */
  constructor(
    readonly dir: string,
    onProblem?: (message: string) => void,
  ) {
    this.disk = new DiskCache(dir, onProblem);
  }

  /** What a run record should say about the cache: repaired entries, an unusable folder. */
  notes(): string[] {
    const notes: string[] = [];
    if (this.repaired > 0)
      notes.push(
        `${this.repaired} cached embedding${this.repaired === 1 ? '' : 's'} in ${this.dir} failed ${this.repaired === 1 ? 'its' : 'their'} checksum and ${this.repaired === 1 ? 'was' : 'were'} re-encoded.`,
      );
    if (this.disk.problem) notes.push(`The embedding cache ${this.disk.problem}`);
    return notes;
  }

  static imageKey(modelFingerprint: string, preprocessKey: string, contentHash: string): string {
    return hashKey('image', modelFingerprint, preprocessKey, contentHash);
  }

  static textKey(modelFingerprint: string, text: string): string {
    return hashKey('text', modelFingerprint, text);
  }

  private get store(): SegmentStore {
    const folder = path.resolve(this.folder);
    let store = EmbeddingCache.stores.get(folder);
    if (!store) EmbeddingCache.stores.set(folder, (store = new SegmentStore(folder)));
    return store;
  }

  async get(key: string): Promise<Float32Array | undefined> {
    return (await this.getAll([key]))[0];
  }

  async put(key: string, vec: Float32Array): Promise<void> {
    await this.putAll([[key, vec]]);
  }

  /** Store entries with one append (a getOrEncode chunk): a crash keeps all of them or loses only this one. */
  private async putAll(entries: [string, Float32Array][]): Promise<void> {
    const store = this.store;
    if (this.disk.problem) {
      for (const [key, vec] of entries) store.memory.set(key, vec);
      return;
    }
    try {
      await store.append(entries);
    } catch (e) {
      this.disk.reportWrite(this.folder, e);
    }
  }

  /**
   * Look every key up; encode the misses in chunks and store each chunk as soon as it is done,
   * so an interrupted run keeps what it finished and the next run resumes from there. Returns
   * vectors in key order and how many were encoded (the run record's count of real model calls).
   */
  async getOrEncode<T, V extends Float32Array | undefined = Float32Array>(
    items: T[],
    keyOf: (item: T) => string,
    /**
     * `already`: misses encoded so far, all misses, and the items found in the cache. An item
     * left undefined has no embedding (an image that cannot be decoded): nothing is stored.
     */
    encode: (missing: T[], already: { done: number; total: number; cached: number }) => Promise<V[]>,
    chunkSize = 64,
  ): Promise<{ vectors: V[]; encoded: number }> {
    const keys = items.map(keyOf);
    const vectors = await this.getAll(keys);
    // Encode each distinct key once even if it appears twice (e.g. two classes share a text).
    const firstOfKey = new Map<string, number>();
    vectors.forEach((v, i) => {
      if (!v && !firstOfKey.has(keys[i])) firstOfKey.set(keys[i], i);
    });
    const toEncode = [...firstOfKey.values()];
    // Kept here rather than looked up again: Clear Embedding Cache may empty the memory layer meanwhile.
    const fresh = new Map<string, V>();
    for (let start = 0; start < toEncode.length; start += chunkSize) {
      const chunk = toEncode.slice(start, start + chunkSize);
      const encoded = await encode(
        chunk.map((i) => items[i]),
        { done: start, total: toEncode.length, cached: items.length - toEncode.length },
      );
      const entries: [string, Float32Array][] = [];
      chunk.forEach((i, j) => {
        fresh.set(keys[i], encoded[j]);
        if (encoded[j]) entries.push([keys[i], encoded[j]]);
      });
      await this.putAll(entries);
    }
    return { vectors: vectors.map((v, i) => v ?? fresh.get(keys[i])) as V[], encoded: toEncode.length };
  }

  /** `get` for many keys (undefined: skip): the memory layer first, then one pass over the segments. */
  private async getAll(keys: (string | undefined)[]): Promise<(Float32Array | undefined)[]> {
    const store = this.store;
    const memory = store.memory;
    const missing = new Set<string>();
    for (const key of keys) if (key !== undefined && !memory.has(key)) missing.add(key);
    if (missing.size > 0) {
      let damaged: string[] = [];
      try {
        damaged = await store.read(missing);
      } catch (e) {
        this.disk.reportRead(e);
      }
      this.repaired += damaged.length;
      const skip = new Set(damaged);
      if (store.hasLegacy) await this.migrate([...missing].filter((k) => !memory.has(k) && !skip.has(k)));
    }
    return keys.map((k) => (k === undefined ? undefined : memory.get(k)));
  }

  /**
   * Entries of the old one-file-per-entry layout, read once and moved into a segment, so that a
   * cache written before segments is not encoded again. Their files go once the segment has them.
   */
  private async migrate(keys: string[]): Promise<void> {
    const never = new AbortController().signal;
    const files = await runAll(keys.length, MAX_OPEN_FILES, never, (i) =>
      this.disk.read(NAMESPACE, keys[i], LEGACY_EXT),
    );
    const moved: [string, Float32Array][] = [];
    const old: string[] = [];
    files.forEach((buf, i) => {
      if (!buf) return;
      old.push(keys[i]);
      const vec = legacyVector(buf);
      if (vec) moved.push([keys[i], vec]);
      else this.repaired++;
    });
    await this.putAll(moved);
    if (this.disk.problem) return;
    const file = (key: string) => this.disk.file(NAMESPACE, key, LEGACY_EXT);
    await runAll(old.length, MAX_OPEN_FILES, never, (i) => fs.rm(file(old[i]), { force: true }));
    for (const sub of new Set(old.map((k) => path.dirname(file(k))))) await fs.rmdir(sub).catch(() => undefined);
  }

  /** Forget the memory layer and what this process knows of the segments (Clear Embedding Cache; tests, as a new process). */
  static clearMemory(): void {
    for (const store of EmbeddingCache.stores.values()) void store.drop();
    EmbeddingCache.stores.clear();
  }

  /** Where the embeddings are on disk (the cache folder also holds LLM completions). */
  get folder(): string {
    return this.disk.folder(NAMESPACE);
  }

  /** How many embeddings are on disk, their size and the files holding them (what Clear Embedding Cache deletes). */
  async stored(): Promise<{ entries: number; bytes: number; files: number }> {
    const packed = await this.store.count().catch(() => 0);
    const all = await this.disk.stored(NAMESPACE, LEGACY_EXT);
    return { entries: packed + all.entries, bytes: all.bytes, files: all.files };
  }

  /** Forget every embedding, on disk and in memory; LLM completions stay. */
  async clear(): Promise<void> {
    EmbeddingCache.clearMemory();
    await this.store.drop(true);
  }
}

/** The vector of an old-layout entry, or undefined if it fails its sha256 or its size. */
function legacyVector(buf: Buffer): Float32Array | undefined {
  const payload = buf.subarray(LEGACY_HEADER);
  const intact =
    buf.byteLength > LEGACY_HEADER &&
    payload.byteLength % 4 === 0 &&
    buf.subarray(0, LEGACY_MAGIC.length).equals(LEGACY_MAGIC) &&
    buf.subarray(LEGACY_MAGIC.length, LEGACY_HEADER).equals(createHash('sha256').update(payload).digest());
  if (!intact) return undefined;
  return new Float32Array(payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.byteLength));
}
